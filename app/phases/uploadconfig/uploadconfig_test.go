package uploadconfig

import (
	"context"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// fullCluster is a ClusterConfiguration with most fields set, so that a
// round trip covers them.
func fullCluster() *kubeadm.ClusterConfiguration {
	c := &kubeadm.ClusterConfiguration{
		KubernetesVersion:    "v1.37.1",
		ControlPlaneEndpoint: "lb.example.com:6443",
		Networking:           kubeadm.Networking{ServiceSubnet: "10.96.0.0/12", PodSubnet: "10.244.0.0/16", DNSDomain: "cluster.local"},
		Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{
			DataDir:        "/var/lib/etcd",
			ExtraArgs:      []kubeadm.Arg{{Name: "quota-backend-bytes", Value: "8589934592"}},
			ServerCertSANs: []string{"etcd.example.com"},
		}},
		APIServer: kubeadm.APIServer{
			ControlPlaneComponent: kubeadm.ControlPlaneComponent{
				ExtraArgs:    []kubeadm.Arg{{Name: "audit-log-path", Value: "/var/log/audit.log"}, {Name: "audit-log-path", Value: "-"}},
				ExtraVolumes: []kubeadm.HostPathMount{{Name: "audit", HostPath: "/var/log", MountPath: "/var/log", PathType: corev1.HostPathDirectoryOrCreate}},
				ExtraEnvs:    []kubeadm.EnvVar{{EnvVar: corev1.EnvVar{Name: "HTTP_PROXY", Value: "http://proxy:3128"}}},
			},
			CertSANs: []string{"10.0.0.1", "api.example.com"},
		},
		ControllerManager:   kubeadm.ControlPlaneComponent{ExtraArgs: []kubeadm.Arg{{Name: "v", Value: "2"}}},
		DNS:                 kubeadm.DNS{ImageMeta: kubeadm.ImageMeta{ImageTag: "v1.12.0"}},
		Proxy:               kubeadm.Proxy{Disabled: true},
		FeatureGates:        map[string]bool{"SomeGate": true},
		ClusterName:         "prod",
		EncryptionAlgorithm: kubeadm.EncryptionAlgorithmECDSAP256,
	}
	kubeadm.SetClusterDefaults(c)
	c.CACertificateValidityPeriod = &metav1.Duration{Duration: 5 * 365 * 24 * time.Hour}
	return c
}

func TestConfigMap(t *testing.T) {
	cfg := fullCluster()
	cfg.APIVersion, cfg.Kind = "", "" // ConfigMap must set them itself
	before := *cfg

	cm, err := ConfigMap(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Namespace != "kube-system" || cm.Name != "kubeadm-config" {
		t.Fatalf("ConfigMap is %s/%s, want kube-system/kubeadm-config", cm.Namespace, cm.Name)
	}
	if len(cm.Data) != 1 {
		t.Fatalf("ConfigMap keys %v, want only ClusterConfiguration", cm.Data)
	}
	doc, ok := cm.Data["ClusterConfiguration"]
	if !ok {
		t.Fatalf("ConfigMap has no ClusterConfiguration key: %v", cm.Data)
	}
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
		t.Fatal(err)
	}
	if tm.APIVersion != "kubeadm.k8s.io/v1beta4" || tm.Kind != "ClusterConfiguration" {
		t.Fatalf("stored document is %s %s, want kubeadm.k8s.io/v1beta4 ClusterConfiguration", tm.APIVersion, tm.Kind)
	}
	if cfg.APIVersion != before.APIVersion || cfg.Kind != before.Kind {
		t.Fatal("ConfigMap changed the caller's configuration")
	}
}

func TestRBAC(t *testing.T) {
	role, binding := RBAC()
	if role.Name != "kubeadm:nodes-kubeadm-config" || role.Namespace != "kube-system" {
		t.Fatalf("Role %s/%s", role.Namespace, role.Name)
	}
	wantRules := []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"kubeadm-config"}}}
	if !reflect.DeepEqual(role.Rules, wantRules) {
		t.Fatalf("Role rules %+v, want %+v", role.Rules, wantRules)
	}
	if binding.Name != role.Name || binding.Namespace != "kube-system" {
		t.Fatalf("RoleBinding %s/%s", binding.Namespace, binding.Name)
	}
	wantRef := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "kubeadm:nodes-kubeadm-config"}
	if binding.RoleRef != wantRef {
		t.Fatalf("RoleRef %+v, want %+v", binding.RoleRef, wantRef)
	}
	wantSubjects := []rbacv1.Subject{
		{Kind: "Group", Name: "system:bootstrappers:kubeadm:default-node-token"},
		{Kind: "Group", Name: "system:nodes"},
	}
	if !reflect.DeepEqual(binding.Subjects, wantSubjects) {
		t.Fatalf("subjects %+v, want %+v", binding.Subjects, wantSubjects)
	}
}

func TestUploadAndReadRoundTrip(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	cfg := fullCluster()

	if err := UploadKubeadmConfig(ctx, client, cfg); err != nil {
		t.Fatalf("UploadKubeadmConfig: %v", err)
	}
	if _, err := client.RbacV1().Roles("kube-system").Get(ctx, NodesKubeadmConfigRole, metav1.GetOptions{}); err != nil {
		t.Fatalf("Role: %v", err)
	}
	if _, err := client.RbacV1().RoleBindings("kube-system").Get(ctx, NodesKubeadmConfigRole, metav1.GetOptions{}); err != nil {
		t.Fatalf("RoleBinding: %v", err)
	}

	got, err := ReadClusterConfiguration(ctx, client)
	if err != nil {
		t.Fatalf("ReadClusterConfiguration: %v", err)
	}
	if !reflect.DeepEqual(got, cfg) {
		gotY, _ := yaml.Marshal(got)
		wantY, _ := yaml.Marshal(cfg)
		t.Fatalf("round trip changed the configuration:\ngot:\n%s\nwant:\n%s", gotY, wantY)
	}
}

func TestUploadTwiceUpdates(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	cfg := fullCluster()
	if err := UploadKubeadmConfig(ctx, client, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.KubernetesVersion = "v1.37.2"
	if err := UploadKubeadmConfig(ctx, client, cfg); err != nil {
		t.Fatalf("second upload: %v", err)
	}
	got, err := ReadClusterConfiguration(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if got.KubernetesVersion != "v1.37.2" {
		t.Fatalf("kubernetesVersion %q after the second upload, want v1.37.2", got.KubernetesVersion)
	}
}

func TestUploadRetriesTransientError(t *testing.T) {
	client := fake.NewClientset()
	var calls atomic.Int32
	client.PrependReactor("create", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if calls.Add(1) == 1 {
			return true, nil, apierrors.NewServiceUnavailable("etcd not ready")
		}
		return false, nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := UploadKubeadmConfig(ctx, client, fullCluster()); err != nil {
		t.Fatalf("UploadKubeadmConfig after one transient error: %v", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("ConfigMap create called %d times, want 2", calls.Load())
	}
	if _, err := ReadClusterConfiguration(ctx, client); err != nil {
		t.Fatal(err)
	}
}

func TestUploadStopsOnForbidden(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("create", "roles", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(rbacv1.Resource("roles"), NodesKubeadmConfigRole, nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := UploadKubeadmConfig(ctx, client, fullCluster())
	if err == nil || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "Role") {
		t.Fatalf("UploadKubeadmConfig = %v, want a Forbidden error naming the Role", err)
	}
}

func TestReadClusterConfigurationErrors(t *testing.T) {
	cm := func(data map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kubeadm-config", Namespace: "kube-system"}, Data: data}
	}
	tests := []struct {
		name    string
		objects []runtime.Object
		want    string
	}{
		{"missing", nil, "kube-system/kubeadm-config"},
		{"no-key", []runtime.Object{cm(map[string]string{"other": "x"})}, "no ClusterConfiguration key"},
		{"not-yaml", []runtime.Object{cm(map[string]string{"ClusterConfiguration": "a: [b"})}, "kube-system/kubeadm-config"},
		{"other-kind", []runtime.Object{cm(map[string]string{"ClusterConfiguration": "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n"})}, "holds no ClusterConfiguration"},
		{"unknown-field", []runtime.Object{cm(map[string]string{"ClusterConfiguration": "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nbogus: 1\n"})}, "bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := fake.NewClientset(tc.objects...)
			got, err := ReadClusterConfiguration(context.Background(), client)
			if err == nil {
				t.Fatalf("ReadClusterConfiguration = %+v, want an error", got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestReadClusterConfigurationV1beta3(t *testing.T) {
	// A cluster set up by an older kubeadm stores v1beta3; it must still read.
	data := "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.30.0\nclusterName: old\n"
	client := fake.NewClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "kubeadm-config", Namespace: "kube-system"},
		Data:       map[string]string{"ClusterConfiguration": data},
	})
	got, err := ReadClusterConfiguration(context.Background(), client)
	if err != nil {
		t.Fatalf("ReadClusterConfiguration(v1beta3): %v", err)
	}
	if got.KubernetesVersion != "v1.30.0" || got.ClusterName != "old" {
		t.Fatalf("read %+v", got)
	}
}
