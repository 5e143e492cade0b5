package bootstraptoken

import (
	"context"
	"errors"
	"reflect"
	"sort"
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
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

var now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func token(id, secret string) *kubeadm.BootstrapTokenString {
	return &kubeadm.BootstrapTokenString{ID: id, Secret: secret}
}

func TestSecret(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name  string
		token kubeadm.BootstrapToken
		want  map[string]string
	}{
		{
			name: "defaults",
			token: kubeadm.BootstrapToken{
				Token:  token("abcdef", "0123456789abcdef"),
				TTL:    &metav1.Duration{Duration: 24 * time.Hour},
				Usages: []string{"signing", "authentication"},
				Groups: []string{"system:bootstrappers:kubeadm:default-node-token"},
			},
			want: map[string]string{
				"token-id":                       "abcdef",
				"token-secret":                   "0123456789abcdef",
				"expiration":                     "2026-03-02T10:00:00Z",
				"usage-bootstrap-signing":        "true",
				"usage-bootstrap-authentication": "true",
				"auth-extra-groups":              "system:bootstrappers:kubeadm:default-node-token",
			},
		},
		{
			name: "description-and-groups",
			token: kubeadm.BootstrapToken{
				Token:       token("zzzzzz", "yyyyyyyyyyyyyyyy"),
				Description: "for the workers",
				TTL:         &metav1.Duration{Duration: time.Hour},
				Usages:      []string{"authentication"},
				Groups:      []string{"system:bootstrappers:a", "system:bootstrappers:b"},
			},
			want: map[string]string{
				"token-id":                       "zzzzzz",
				"token-secret":                   "yyyyyyyyyyyyyyyy",
				"description":                    "for the workers",
				"expiration":                     "2026-03-01T11:00:00Z",
				"usage-bootstrap-authentication": "true",
				"auth-extra-groups":              "system:bootstrappers:a,system:bootstrappers:b",
			},
		},
		{
			name: "expires-in-utc",
			token: kubeadm.BootstrapToken{
				Token:   token("abcdef", "0123456789abcdef"),
				Expires: &metav1.Time{Time: time.Date(2026, 4, 1, 7, 30, 0, 0, est)},
			},
			want: map[string]string{
				"token-id":     "abcdef",
				"token-secret": "0123456789abcdef",
				"expiration":   "2026-04-01T12:30:00Z",
			},
		},
		{
			name: "expires-wins-over-ttl",
			token: kubeadm.BootstrapToken{
				Token:   token("abcdef", "0123456789abcdef"),
				TTL:     &metav1.Duration{Duration: time.Hour},
				Expires: &metav1.Time{Time: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
			},
			want: map[string]string{
				"token-id":     "abcdef",
				"token-secret": "0123456789abcdef",
				"expiration":   "2030-01-01T00:00:00Z",
			},
		},
		{
			name: "ttl-zero-never-expires",
			token: kubeadm.BootstrapToken{
				Token: token("abcdef", "0123456789abcdef"),
				TTL:   &metav1.Duration{},
			},
			want: map[string]string{
				"token-id":     "abcdef",
				"token-secret": "0123456789abcdef",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Secret(&tc.token, now)
			if s.Name != "bootstrap-token-"+tc.token.Token.ID || s.Namespace != "kube-system" {
				t.Fatalf("Secret %s/%s, want kube-system/bootstrap-token-%s", s.Namespace, s.Name, tc.token.Token.ID)
			}
			if s.Type != "bootstrap.kubernetes.io/token" {
				t.Fatalf("type %q, want bootstrap.kubernetes.io/token", s.Type)
			}
			got := map[string]string{}
			for k, v := range s.Data {
				got[k] = string(v)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("data\n got %v\nwant %v", got, tc.want)
			}
			if len(s.StringData) != 0 {
				t.Fatalf("StringData set: %v", s.StringData)
			}
		})
	}
}

func TestCreateTokens(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	tokens := []kubeadm.BootstrapToken{
		{Token: token("aaaaaa", "aaaaaaaaaaaaaaaa"), TTL: &metav1.Duration{Duration: time.Hour}, Usages: []string{"signing"}},
		{Token: token("bbbbbb", "bbbbbbbbbbbbbbbb"), Description: "second"},
	}
	if err := CreateTokens(ctx, client, tokens, now); err != nil {
		t.Fatalf("CreateTokens: %v", err)
	}
	for _, tok := range tokens {
		s, err := client.CoreV1().Secrets("kube-system").Get(ctx, "bootstrap-token-"+tok.Token.ID, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("token %s: %v", tok.Token.ID, err)
		}
		if string(s.Data["token-secret"]) != tok.Token.Secret {
			t.Fatalf("token %s: secret %q", tok.Token.ID, s.Data["token-secret"])
		}
	}

	// A re-run updates the existing Secrets.
	tokens[1].Description = "changed"
	if err := CreateTokens(ctx, client, tokens, now); err != nil {
		t.Fatalf("second CreateTokens: %v", err)
	}
	s, err := client.CoreV1().Secrets("kube-system").Get(ctx, "bootstrap-token-bbbbbb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data["description"]) != "changed" {
		t.Fatalf("description %q after re-run, want changed", s.Data["description"])
	}
}

func TestCreateTokensStopsAtFirstPermanentError(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("create", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("secrets"), "x", errors.New("no"))
	})
	err := CreateTokens(context.Background(), client, []kubeadm.BootstrapToken{{Token: token("aaaaaa", "aaaaaaaaaaaaaaaa")}}, now)
	if err == nil || !strings.Contains(err.Error(), "bootstrap-token-aaaaaa") {
		t.Fatalf("CreateTokens = %v, want an error naming the Secret", err)
	}
}

func TestCreateRBAC(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	if err := CreateRBAC(ctx, client); err != nil {
		t.Fatalf("CreateRBAC: %v", err)
	}

	crs, err := client.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var crNames []string
	for _, cr := range crs.Items {
		crNames = append(crNames, cr.Name)
	}
	if want := []string{"kubeadm:get-nodes"}; !reflect.DeepEqual(crNames, want) {
		t.Fatalf("ClusterRoles %v, want %v", crNames, want)
	}
	wantRule := []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"nodes"}}}
	if !reflect.DeepEqual(crs.Items[0].Rules, wantRule) {
		t.Fatalf("kubeadm:get-nodes rules %+v", crs.Items[0].Rules)
	}

	crbs, err := client.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const tokenGroup = "system:bootstrappers:kubeadm:default-node-token"
	type binding struct{ role, kind, subject string }
	want := map[string]binding{
		"kubeadm:kubelet-bootstrap":                     {"system:node-bootstrapper", "Group", tokenGroup},
		"kubeadm:get-nodes":                             {"kubeadm:get-nodes", "Group", tokenGroup},
		"kubeadm:node-autoapprove-bootstrap":            {"system:certificates.k8s.io:certificatesigningrequests:nodeclient", "Group", tokenGroup},
		"kubeadm:node-autoapprove-certificate-rotation": {"system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", "Group", "system:nodes"},
		"kubeadm:apiserver-kubelet-client":              {"system:kubelet-api-admin", "User", "kube-apiserver-kubelet-client"},
	}
	got := map[string]binding{}
	for _, b := range crbs.Items {
		if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.APIGroup != "rbac.authorization.k8s.io" {
			t.Fatalf("%s: roleRef %+v", b.Name, b.RoleRef)
		}
		if len(b.Subjects) != 1 {
			t.Fatalf("%s: subjects %+v, want one", b.Name, b.Subjects)
		}
		got[b.Name] = binding{b.RoleRef.Name, b.Subjects[0].Kind, b.Subjects[0].Name}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ClusterRoleBindings\n got %v\nwant %v", got, want)
	}

	roles, _ := client.RbacV1().Roles("").List(ctx, metav1.ListOptions{})
	if len(roles.Items) != 1 {
		t.Fatalf("Roles %+v, want only kube-public/kubeadm:bootstrap-signer-clusterinfo", roles.Items)
	}
	role := roles.Items[0]
	if role.Namespace != "kube-public" || role.Name != "kubeadm:bootstrap-signer-clusterinfo" {
		t.Fatalf("Role %s/%s", role.Namespace, role.Name)
	}
	wantRoleRules := []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"cluster-info"}}}
	if !reflect.DeepEqual(role.Rules, wantRoleRules) {
		t.Fatalf("Role rules %+v", role.Rules)
	}
	rbs, _ := client.RbacV1().RoleBindings("").List(ctx, metav1.ListOptions{})
	if len(rbs.Items) != 1 {
		t.Fatalf("RoleBindings %+v, want one", rbs.Items)
	}
	rb := rbs.Items[0]
	if rb.Namespace != "kube-public" || rb.Name != "kubeadm:bootstrap-signer-clusterinfo" ||
		rb.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "kubeadm:bootstrap-signer-clusterinfo"}) ||
		!reflect.DeepEqual(rb.Subjects, []rbacv1.Subject{{Kind: "User", Name: "system:anonymous"}}) {
		t.Fatalf("RoleBinding %+v", rb)
	}

	// A re-run updates in place.
	if err := CreateRBAC(ctx, client); err != nil {
		t.Fatalf("second CreateRBAC: %v", err)
	}
}

func TestCreateRBACJoinsErrors(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("create", "clusterrolebindings", func(a k8stesting.Action) (bool, runtime.Object, error) {
		name := a.(k8stesting.CreateAction).GetObject().(*rbacv1.ClusterRoleBinding).Name
		if name == "kubeadm:get-nodes" || name == "kubeadm:kubelet-bootstrap" {
			return true, nil, apierrors.NewForbidden(rbacv1.Resource("clusterrolebindings"), name, errors.New("no"))
		}
		return false, nil, nil
	})
	err := CreateRBAC(context.Background(), client)
	if err == nil {
		t.Fatal("CreateRBAC succeeded despite failures")
	}
	for _, name := range []string{"kubeadm:get-nodes", "kubeadm:kubelet-bootstrap"} {
		if !strings.Contains(err.Error(), name) {
			t.Fatalf("error %q does not name %s", err, name)
		}
	}
	// The others were still created.
	if _, err := client.RbacV1().ClusterRoleBindings().Get(context.Background(), "kubeadm:node-autoapprove-bootstrap", metav1.GetOptions{}); err != nil {
		t.Fatalf("independent binding not created: %v", err)
	}
}

const caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func TestClusterInfo(t *testing.T) {
	cm, err := ClusterInfo("https://10.0.0.1:6443", []byte(caPEM))
	if err != nil {
		t.Fatal(err)
	}
	if cm.Namespace != "kube-public" || cm.Name != "cluster-info" {
		t.Fatalf("ConfigMap %s/%s, want kube-public/cluster-info", cm.Namespace, cm.Name)
	}
	if len(cm.Data) != 1 {
		t.Fatalf("keys %v, want only kubeconfig", cm.Data)
	}
	cfg, err := clientcmd.Load([]byte(cm.Data["kubeconfig"]))
	if err != nil {
		t.Fatalf("cluster-info kubeconfig does not load: %v", err)
	}
	if len(cfg.Clusters) != 1 {
		t.Fatalf("clusters %v, want one", cfg.Clusters)
	}
	c, ok := cfg.Clusters[""]
	if !ok {
		t.Fatalf("the cluster is not named \"\" as upstream's: %v", cfg.Clusters)
	}
	if c.Server != "https://10.0.0.1:6443" || string(c.CertificateAuthorityData) != caPEM {
		t.Fatalf("cluster %+v", c)
	}
	if len(cfg.AuthInfos) != 0 || len(cfg.Contexts) != 0 || cfg.CurrentContext != "" {
		t.Fatalf("cluster-info must hold no credentials or contexts: %+v", cfg)
	}
	for _, secretish := range []string{"token", "client-key", "password"} {
		if strings.Contains(cm.Data["kubeconfig"], secretish) {
			t.Fatalf("cluster-info kubeconfig mentions %q", secretish)
		}
	}
}

func getClusterInfo(t *testing.T, client *fake.Clientset) *corev1.ConfigMap {
	t.Helper()
	cm, err := client.CoreV1().ConfigMaps("kube-public").Get(context.Background(), "cluster-info", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

func cmVerbs(c *fake.Clientset) string {
	var out []string
	for _, a := range c.Actions() {
		if a.GetResource().Resource == "configmaps" {
			out = append(out, a.GetVerb())
		}
	}
	return strings.Join(out, ",")
}

func TestCreateClusterInfo(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	if err := CreateClusterInfo(ctx, client, "https://10.0.0.1:6443", []byte(caPEM), nil, time.Time{}); err != nil {
		t.Fatalf("CreateClusterInfo: %v", err)
	}
	want, _ := ClusterInfo("https://10.0.0.1:6443", []byte(caPEM))
	if got := getClusterInfo(t, client); !reflect.DeepEqual(got.Data, want.Data) {
		t.Fatalf("data %v, want %v", got.Data, want.Data)
	}

	// The bootstrap signer adds a signature per token.
	cm := getClusterInfo(t, client)
	cm.Data["jws-kubeconfig-abcdef"] = "sig"
	if _, err := client.CoreV1().ConfigMaps("kube-public").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Same content: nothing is written.
	client.ClearActions()
	if err := CreateClusterInfo(ctx, client, "https://10.0.0.1:6443", []byte(caPEM), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cmVerbs(client), "update") {
		t.Fatalf("unchanged cluster-info was updated: %s", cmVerbs(client))
	}

	// New endpoint: the kubeconfig changes, the signature stays.
	if err := CreateClusterInfo(ctx, client, "https://lb.example.com:6443", []byte(caPEM), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	got := getClusterInfo(t, client)
	if got.Data["jws-kubeconfig-abcdef"] != "sig" {
		t.Fatalf("the JWS signature was dropped: %v", got.Data)
	}
	if !strings.Contains(got.Data["kubeconfig"], "https://lb.example.com:6443") {
		t.Fatalf("kubeconfig not updated: %s", got.Data["kubeconfig"])
	}
}

func TestCreateClusterInfoExistingWithoutData(t *testing.T) {
	client := fake.NewClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cluster-info", Namespace: "kube-public"}})
	if err := CreateClusterInfo(context.Background(), client, "https://10.0.0.1:6443", []byte(caPEM), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := getClusterInfo(t, client); got.Data["kubeconfig"] == "" {
		t.Fatalf("kubeconfig not written: %v", got.Data)
	}
}

// TestCreateClusterInfoConflict: the bootstrap signer writes a signature
// between CreateClusterInfo's read and its update; the update must not
// drop it.
func TestCreateClusterInfoConflict(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	old, _ := ClusterInfo("https://10.0.0.1:6443", []byte(caPEM))
	old.Data["jws-kubeconfig-aaaaaa"] = "sig-a"
	client := fake.NewClientset(old)

	var updates atomic.Int32
	client.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if updates.Add(1) > 1 {
			return false, nil, nil
		}
		// The signer wins the race.
		cur, err := client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("configmaps"), "kube-public", "cluster-info")
		if err != nil {
			return true, nil, err
		}
		signed := cur.(*corev1.ConfigMap).DeepCopy()
		signed.Data["jws-kubeconfig-bbbbbb"] = "sig-b"
		if err := client.Tracker().Update(corev1.SchemeGroupVersion.WithResource("configmaps"), signed, "kube-public"); err != nil {
			return true, nil, err
		}
		return true, nil, apierrors.NewConflict(corev1.Resource("configmaps"), "cluster-info", errors.New("the object has been modified"))
	})

	if err := CreateClusterInfo(ctx, client, "https://lb.example.com:6443", []byte(caPEM), nil, time.Time{}); err != nil {
		t.Fatalf("CreateClusterInfo: %v", err)
	}
	got := getClusterInfo(t, client)
	var keys []string
	for k := range got.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"jws-kubeconfig-aaaaaa", "jws-kubeconfig-bbbbbb", "kubeconfig"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	if !strings.Contains(got.Data["kubeconfig"], "https://lb.example.com:6443") {
		t.Fatalf("kubeconfig not updated: %s", got.Data["kubeconfig"])
	}
}

// TestCreateClusterInfoTransientGetError: a failed read must not lead to
// overwriting the ConfigMap without its signatures.
func TestCreateClusterInfoTransientGetError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	old, _ := ClusterInfo("https://10.0.0.1:6443", []byte(caPEM))
	old.Data["jws-kubeconfig-aaaaaa"] = "sig-a"
	client := fake.NewClientset(old)
	var gets atomic.Int32
	client.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if gets.Add(1) == 1 {
			return true, nil, apierrors.NewServiceUnavailable("apiserver restarting")
		}
		return false, nil, nil
	})
	if err := CreateClusterInfo(ctx, client, "https://lb.example.com:6443", []byte(caPEM), nil, time.Time{}); err != nil {
		t.Fatalf("CreateClusterInfo: %v", err)
	}
	got := getClusterInfo(t, client)
	if got.Data["jws-kubeconfig-aaaaaa"] != "sig-a" {
		t.Fatalf("the JWS signature was dropped after a transient read error: %v", got.Data)
	}
	if !strings.Contains(got.Data["kubeconfig"], "https://lb.example.com:6443") {
		t.Fatalf("kubeconfig not updated: %s", got.Data["kubeconfig"])
	}
}
