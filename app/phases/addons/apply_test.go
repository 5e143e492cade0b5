package addons

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

const ns = "kube-system"

// objects returns one object of every supported type; version is put in a
// label so that an update can be seen.
func objects(version string) []runtime.Object {
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"v": version}}
	}
	cluster := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Labels: map[string]string{"v": version}}
	}
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "x"}}
	pod := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"k8s-app": "x"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/x:" + version}}},
	}
	return []runtime.Object{
		&corev1.ServiceAccount{ObjectMeta: meta("coredns")},
		&corev1.ConfigMap{ObjectMeta: meta("coredns"), Data: map[string]string{"Corefile": version}},
		&corev1.Service{ObjectMeta: meta("kube-dns"), Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10", Ports: []corev1.ServicePort{{Name: "dns", Port: 53}}}},
		&appsv1.Deployment{ObjectMeta: meta("coredns"), Spec: appsv1.DeploymentSpec{Selector: selector, Template: pod}},
		&appsv1.DaemonSet{ObjectMeta: meta("kube-proxy"), Spec: appsv1.DaemonSetSpec{Selector: selector, Template: pod}},
		&rbacv1.ClusterRole{ObjectMeta: cluster("system:coredns")},
		&rbacv1.ClusterRoleBinding{ObjectMeta: cluster("system:coredns"), RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:coredns"}},
		&rbacv1.Role{ObjectMeta: meta("kube-proxy")},
		&rbacv1.RoleBinding{ObjectMeta: meta("kube-proxy"), RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "kube-proxy"}},
	}
}

// labels reads back the "v" label of every object objects() returns.
func labels(t *testing.T, client *fake.Clientset) map[string]string {
	t.Helper()
	ctx := context.Background()
	get := metav1.GetOptions{}
	out := map[string]string{}
	record := func(kind string, o metav1.Object, err error) {
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		out[kind] = o.GetLabels()["v"]
	}
	sa, err := client.CoreV1().ServiceAccounts(ns).Get(ctx, "coredns", get)
	record("ServiceAccount", sa, err)
	cm, err := client.CoreV1().ConfigMaps(ns).Get(ctx, "coredns", get)
	record("ConfigMap", cm, err)
	svc, err := client.CoreV1().Services(ns).Get(ctx, "kube-dns", get)
	record("Service", svc, err)
	d, err := client.AppsV1().Deployments(ns).Get(ctx, "coredns", get)
	record("Deployment", d, err)
	ds, err := client.AppsV1().DaemonSets(ns).Get(ctx, "kube-proxy", get)
	record("DaemonSet", ds, err)
	cr, err := client.RbacV1().ClusterRoles().Get(ctx, "system:coredns", get)
	record("ClusterRole", cr, err)
	crb, err := client.RbacV1().ClusterRoleBindings().Get(ctx, "system:coredns", get)
	record("ClusterRoleBinding", crb, err)
	r, err := client.RbacV1().Roles(ns).Get(ctx, "kube-proxy", get)
	record("Role", r, err)
	rb, err := client.RbacV1().RoleBindings(ns).Get(ctx, "kube-proxy", get)
	record("RoleBinding", rb, err)
	return out
}

func TestApplyCreatesThenUpdates(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	if err := Apply(ctx, client, objects("1")); err != nil {
		t.Fatalf("first Apply: %v", err)
	}
	got := labels(t, client)
	if len(got) != 9 {
		t.Fatalf("objects %v, want 9", got)
	}
	for kind, v := range got {
		if v != "1" {
			t.Fatalf("%s has version %q after the first Apply, want 1", kind, v)
		}
	}

	client.ClearActions()
	if err := Apply(ctx, client, objects("2")); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	for kind, v := range labels(t, client) {
		if v != "2" {
			t.Fatalf("%s has version %q after the second Apply, want 2", kind, v)
		}
	}
	updates := map[string]bool{}
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" {
			updates[a.GetResource().Resource] = true
		}
	}
	for _, r := range []string{"serviceaccounts", "configmaps", "services", "deployments", "daemonsets", "clusterroles", "clusterrolebindings", "roles", "rolebindings"} {
		if !updates[r] {
			t.Fatalf("the second Apply did not update %s (updated: %v)", r, updates)
		}
	}
}

func TestApplyServiceDoesNotMutateInput(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: ns, ResourceVersion: "42"}}
	client := fake.NewClientset()
	if err := Apply(context.Background(), client, []runtime.Object{svc}); err != nil {
		t.Fatal(err)
	}
	if svc.ResourceVersion != "42" {
		t.Fatalf("Apply changed the caller's Service: resourceVersion %q", svc.ResourceVersion)
	}
	for _, a := range client.Actions() {
		if c, ok := a.(k8stesting.CreateAction); ok {
			if rv := c.GetObject().(*corev1.Service).ResourceVersion; rv != "" {
				t.Fatalf("Service created with resourceVersion %q", rv)
			}
		}
	}
}

func TestApplyUnsupportedType(t *testing.T) {
	err := Apply(context.Background(), fake.NewClientset(), []runtime.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ok", Namespace: ns}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns}},
	})
	if err == nil || !strings.Contains(err.Error(), "*v1.Pod") {
		t.Fatalf("Apply = %v, want an error naming the unsupported type", err)
	}
}

func TestApplyEmpty(t *testing.T) {
	if err := Apply(context.Background(), fake.NewClientset(), nil); err != nil {
		t.Fatalf("Apply(nil) = %v", err)
	}
}

func TestApplyRetriesTransientError(t *testing.T) {
	client := fake.NewClientset()
	var calls atomic.Int32
	client.PrependReactor("create", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		if calls.Add(1) == 1 {
			return true, nil, apierrors.NewInternalError(errors.New("etcdserver: leader changed"))
		}
		return false, nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Apply(ctx, client, objects("1")); err != nil {
		t.Fatalf("Apply after a transient error: %v", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("Deployment create called %d times, want 2", calls.Load())
	}
	if got := labels(t, client)["Deployment"]; got != "1" {
		t.Fatalf("Deployment version %q", got)
	}
}

func TestApplyReportsEveryFailure(t *testing.T) {
	client := fake.NewClientset()
	forbid := func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(appsv1.Resource("x"), "x", errors.New("no"))
	}
	client.PrependReactor("create", "deployments", forbid)
	client.PrependReactor("create", "daemonsets", forbid)
	err := Apply(context.Background(), client, objects("1"))
	if err == nil {
		t.Fatal("Apply succeeded despite failures")
	}
	for _, want := range []string{"Deployment kube-system/coredns", "DaemonSet kube-system/kube-proxy"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not name %s", err, want)
		}
	}
	// The other objects were created regardless.
	if _, err := client.CoreV1().ConfigMaps(ns).Get(context.Background(), "coredns", metav1.GetOptions{}); err != nil {
		t.Fatalf("ConfigMap not created: %v", err)
	}
}

// TestApplyServiceUpdatesTheExistingOne: an existing Service is updated in
// place, keeping its allocated cluster IPs and resourceVersion, never
// created again (a create of a Service whose fixed cluster IP is taken
// fails on the IP before the name).
func TestApplyServiceUpdatesTheExistingOne(t *testing.T) {
	existing := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: ns, ResourceVersion: "7", Labels: map[string]string{"v": "1"}},
		Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"}}}
	client := fake.NewClientset(existing)
	client.PrependReactor("create", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New(`Service "kube-dns" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.10"]: provided IP is already allocated`)
	})
	want := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: ns, Labels: map[string]string{"v": "2"}},
		Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10"}}
	if err := Apply(context.Background(), client, []runtime.Object{want}); err != nil {
		t.Fatal(err)
	}
	got, err := client.CoreV1().Services(ns).Get(context.Background(), "kube-dns", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels["v"] != "2" || got.Spec.ClusterIP != "10.96.0.10" || len(got.Spec.ClusterIPs) != 1 {
		t.Fatalf("Service after apply: labels %v, clusterIP %q %v", got.Labels, got.Spec.ClusterIP, got.Spec.ClusterIPs)
	}
}
