//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

var controlPlaneToleration = []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}

// startStubDNS runs a CoreDNS Pod that answers web.acme.test (10.9.9.9) and
// web.upstream.test (10.8.8.8) from its hosts plugin, and returns its IP.
func startStubDNS(t *testing.T, client clientset.Interface) string {
	t.Helper()
	ctx := context.Background()
	eventually(t, time.Minute, "the default service account exists", func(ctx context.Context) error {
		_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "stub-dns"}, Data: map[string]string{"Corefile": ".:53 {\n    hosts {\n        10.9.9.9 web.acme.test\n        10.8.8.8 web.upstream.test\n    }\n}\n"}}
	_, err := client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
	must(t, err, "create the stub DNS ConfigMap")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "stub-dns"}, Spec: corev1.PodSpec{Tolerations: controlPlaneToleration,
		Containers: []corev1.Container{{Name: "coredns", Image: "registry.k8s.io/coredns/coredns:v1.14.6", ImagePullPolicy: corev1.PullNever,
			Args: []string{"-conf", "/etc/stub/Corefile"}, VolumeMounts: []corev1.VolumeMount{{Name: "conf", MountPath: "/etc/stub"}}}},
		Volumes: []corev1.Volume{{Name: "conf", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "stub-dns"}}}}}}}
	_, err = client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	must(t, err, "create the stub DNS Pod")
	var ip string
	eventually(t, 2*time.Minute, "the stub DNS Pod running", func(ctx context.Context) error {
		p, err := client.CoreV1().Pods("default").Get(ctx, "stub-dns", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		ip = p.Status.PodIP
		return nil
	})
	return ip
}

// resolvesFromPod runs a Pod that resolves name through the cluster DNS and
// succeeds only when want is among the answers.
func resolvesFromPod(t *testing.T, client clientset.Interface, podName, name, want string) {
	t.Helper()
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: podName}, Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Tolerations: controlPlaneToleration,
		Containers: []corev1.Container{{Name: "dns", Image: images.ToolsRef, ImagePullPolicy: corev1.PullNever,
			Command: []string{"/bench", "dns-check", "--name", name, "--want", want}}}}}
	_, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	must(t, err, "create Pod %s", podName)
	eventually(t, 2*time.Minute, "a Pod resolved "+name+" to "+want, func(ctx context.Context) error {
		p, err := client.CoreV1().Pods("default").Get(ctx, podName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		switch p.Status.Phase {
		case corev1.PodSucceeded:
			return nil
		case corev1.PodFailed:
			logs, _ := client.CoreV1().Pods("default").GetLogs(podName, &corev1.PodLogOptions{}).DoRaw(ctx)
			t.Fatalf("Pod %s could not resolve %s to %s: %s", podName, name, want, logs)
		}
		return fmt.Errorf("pod phase %s", p.Status.Phase)
	})
}

func checkMigratedCorefile(t *testing.T, client clientset.Interface, stub, when string) {
	t.Helper()
	cm, err := client.CoreV1().ConfigMaps("kube-system").Get(context.Background(), "coredns", metav1.GetOptions{})
	must(t, err, "read ConfigMap coredns")
	cf := cm.Data["Corefile"]
	for _, want := range []string{"acme.test:53 {", "forward . " + stub + "\n", "forward . " + stub + " {", "kubernetes cluster.local in-addr.arpa ip6.arpa {"} {
		if !strings.Contains(cf, want) {
			t.Errorf("the Corefile %s lacks %q:\n%s", when, want, cf)
		}
	}
}

// TestKubeDNSMigratesToCoreDNS: a cluster whose kube-system/kube-dns
// ConfigMap has stubDomains and upstreamNameservers gets a Corefile that
// keeps both, at init (the CoreDNS addon phase run once the ConfigMap
// exists) and at upgrade (when the cluster has no CoreDNS ConfigMap yet):
// a Pod resolves a name of the stub domain and a name only the upstream
// name server knows, through the cluster DNS, each time.
func TestKubeDNSMigratesToCoreDNS(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"})
	cp1 := c.Nodes[0]
	installKubeadm(t, cp1, initConfig("v1.37.1", ""))
	ctx := context.Background()
	out, err := kubeadm(t, cp1, ctx, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification", "--skip-phases=addon/coredns")
	must(t, err, "init: %s", out)
	client := adminClient(t, cp1)
	eventually(t, 3*time.Minute, "node cp1 Ready", func(ctx context.Context) error { return nodeReady(ctx, client, "cp1") })
	stub := startStubDNS(t, client)
	kubeDNS := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system"}, Data: map[string]string{
		"stubDomains": fmt.Sprintf(`{"acme.test": [%q]}`, stub), "upstreamNameservers": fmt.Sprintf(`[%q]`, stub)}}
	_, err = client.CoreV1().ConfigMaps("kube-system").Create(ctx, kubeDNS, metav1.CreateOptions{})
	must(t, err, "create ConfigMap kube-dns")

	out, err = kubeadm(t, cp1, ctx, "init", "phase", "addon", "coredns", "--config", nodeConfigPath)
	must(t, err, "init phase addon coredns: %s", out)
	if !strings.Contains(out, "the Corefile keeps the kube-dns configuration") {
		t.Errorf("init does not say it kept kube-dns's configuration:\n%s", out)
	}
	checkMigratedCorefile(t, client, stub, "after init")
	resolvesFromPod(t, client, "dns-init-stub", "web.acme.test", "10.9.9.9")
	resolvesFromPod(t, client, "dns-init-upstream", "web.upstream.test", "10.8.8.8")
	resolvesFromPod(t, client, "dns-init-cluster", "kubernetes.default.svc.cluster.local", "10.96.0.1")

	// The upgrade finds kube-dns's configuration and no CoreDNS ConfigMap.
	must(t, client.CoreV1().ConfigMaps("kube-system").Delete(ctx, "coredns", metav1.DeleteOptions{}), "delete ConfigMap coredns")
	out, err = kubeadm(t, cp1, ctx, "upgrade", "apply", "v1.37.1", "--yes", "--ignore-preflight-errors=SystemVerification")
	must(t, err, "upgrade apply: %s", out)
	if !strings.Contains(out, "the Corefile keeps the kube-dns configuration") {
		t.Errorf("the upgrade does not say it kept kube-dns's configuration:\n%s", out)
	}
	checkMigratedCorefile(t, client, stub, "after the upgrade")
	// New CoreDNS Pods read the ConfigMap the upgrade wrote.
	must(t, client.CoreV1().Pods("kube-system").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"}), "restart CoreDNS")
	resolvesFromPod(t, client, "dns-upgrade-stub", "web.acme.test", "10.9.9.9")
	resolvesFromPod(t, client, "dns-upgrade-upstream", "web.upstream.test", "10.8.8.8")
}
