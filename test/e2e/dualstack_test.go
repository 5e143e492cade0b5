//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// dualStackNodeIP is the kubelet's --node-ip for both of n's addresses.
func dualStackNodeIP(n *sandbox.Node) string {
	return "  kubeletExtraArgs:\n  - name: node-ip\n    value: " + n.Address + "," + n.Address6 + "\n"
}

// dualStackInitConfig is the bench's init configuration with the given pod
// and service subnets, advertising cp's IPv4 address and giving its kubelet
// both of its addresses.
func dualStackInitConfig(cp *sandbox.Node, podSubnet, serviceSubnet string) string {
	cfg := initConfig("v1.37.1", "")
	cfg = strings.Replace(cfg, "  podSubnet: "+sandbox.PodNetwork+"\n", "  podSubnet: "+podSubnet+"\n  serviceSubnet: "+serviceSubnet+"\n", 1)
	return strings.Replace(cfg, "kind: InitConfiguration\n", "kind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: "+cp.Address+
		"\nnodeRegistration:\n"+dualStackNodeIP(cp), 1)
}

// podSucceeds runs a tools Pod with command, restarted until it exits 0.
func podSucceeds(t *testing.T, client clientset.Interface, name, what string, command ...string) {
	t.Helper()
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure, Tolerations: controlPlaneToleration,
		Containers: []corev1.Container{{Name: "tool", Image: images.ToolsRef, ImagePullPolicy: corev1.PullNever, Command: command}}}}
	_, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	must(t, err, "create Pod %s", name)
	eventually(t, 2*time.Minute, what, func(ctx context.Context) error {
		p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodSucceeded {
			return fmt.Errorf("pod %s: phase %s", name, p.Status.Phase)
		}
		return nil
	})
}

// TestDualStack: a dual-stack cluster on the bench's IPv4 and IPv6 node
// network. Pod and service subnets that break upstream's rules are refused
// in one line before anything is written; then init and a worker join with
// an IPv4 and an IPv6 range each: the nodes get a pod CIDR of each family
// and both addresses, a dual-stack Service gets both cluster IPs, CoreDNS
// answers its AAAA record, and a Pod reaches the Service over IPv6.
func TestDualStack(t *testing.T) {
	c := newClusterFrom(t, sandbox.CreateOptions{DualStack: true, Nodes: []sandbox.NodeOptions{{Name: "cp1"}, {Name: "w1"}}})
	cp1, w1 := c.Nodes[0], c.Nodes[1]
	ctx := context.Background()
	pods := sandbox.PodNetwork + "," + sandbox.PodNetwork6
	services := "10.96.0.0/16," + sandbox.ServiceNetwork6

	for _, bad := range []struct{ pods, services, want string }{
		{pods + ",10.245.0.0/16", services, "at most one IPv4 and one IPv6 CIDR"},
		{sandbox.PodNetwork + ",10.245.0.0/16", services, "two CIDRs of the same IP family"},
		{pods, "10.96.0.0/16,fd00:10:96::/64", "is too large"},
		{sandbox.PodNetwork + ",fd00:10:244::/120", services, "smaller than one node's pod range"},
	} {
		installKubeadm(t, cp1, dualStackInitConfig(cp1, bad.pods, bad.services))
		out, err := kubeadm(t, cp1, ctx, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification")
		if err == nil || !strings.Contains(out, bad.want) || len(strings.Split(strings.TrimSpace(out), "\n")) != 1 {
			t.Errorf("init with podSubnet %s, serviceSubnet %s: want one line saying %q, got %v:\n%s", bad.pods, bad.services, bad.want, err, out)
		}
		checkNothingWritten(t, cp1)
	}

	installKubeadm(t, cp1, dualStackInitConfig(cp1, pods, services))
	out, err := kubeadm(t, cp1, ctx, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification", "-o", "json")
	must(t, err, "dual-stack init: %s", out)
	r := parseInitResult(t, out)
	join := strings.Replace(joinConfig(cp1.Address+":6443", e2eToken, r.CACertHash, "w1", ""),
		"  ignorePreflightErrors: [SystemVerification]\n", "  ignorePreflightErrors: [SystemVerification]\n"+dualStackNodeIP(w1), 1)
	installKubeadm(t, w1, join)
	out, err = kubeadm(t, w1, ctx, "join", "--config", nodeConfigPath)
	must(t, err, "dual-stack join: %s", out)

	client := adminClient(t, cp1)
	for _, n := range c.Nodes {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
		eventually(t, time.Minute, "node "+n.Name+" has a pod CIDR and an address of each family", func(ctx context.Context) error {
			node, err := client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if len(node.Spec.PodCIDRs) != 2 || isIPv6CIDR(node.Spec.PodCIDRs[0]) || !isIPv6CIDR(node.Spec.PodCIDRs[1]) {
				return fmt.Errorf("pod CIDRs %v", node.Spec.PodCIDRs)
			}
			addrs := map[string]bool{}
			for _, a := range node.Status.Addresses {
				if a.Type == corev1.NodeInternalIP {
					addrs[a.Address] = true
				}
			}
			if !addrs[n.Address] || !addrs[n.Address6] {
				return fmt.Errorf("internal IPs %v, want %s and %s", node.Status.Addresses, n.Address, n.Address6)
			}
			return nil
		})
	}

	labels := map[string]string{"app": "echo6"}
	echo := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "echo6", Labels: labels}, Spec: corev1.PodSpec{NodeName: "w1",
		Containers: []corev1.Container{{Name: "echo", Image: images.ToolsRef, ImagePullPolicy: corev1.PullNever,
			Command: []string{"/bench", "serve", "--listen", ":8080"}, Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}}}
	eventually(t, time.Minute, "the default service account exists", func(ctx context.Context) error {
		_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
	_, err = client.CoreV1().Pods("default").Create(ctx, echo, metav1.CreateOptions{})
	must(t, err, "create Pod echo6")
	require := corev1.IPFamilyPolicyRequireDualStack
	svc, err := client.CoreV1().Services("default").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "echo6"},
		Spec: corev1.ServiceSpec{Selector: labels, IPFamilyPolicy: &require, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}}, metav1.CreateOptions{})
	must(t, err, "create a dual-stack Service")
	if len(svc.Spec.ClusterIPs) != 2 || !isIPv6(svc.Spec.ClusterIPs[1]) {
		t.Fatalf("the dual-stack Service got cluster IPs %v, want one of each family", svc.Spec.ClusterIPs)
	}
	v6 := svc.Spec.ClusterIPs[1]
	t.Logf("Service echo6: cluster IPs %v", svc.Spec.ClusterIPs)
	eventually(t, 2*time.Minute, "Pod echo6 Ready with an address of each family", func(ctx context.Context) error {
		p, err := client.CoreV1().Pods("default").Get(ctx, "echo6", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !podReady(p) || len(p.Status.PodIPs) != 2 {
			return fmt.Errorf("ready %v, pod IPs %v", podReady(p), p.Status.PodIPs)
		}
		return nil
	})
	checkWorkingDNS(t, client) // CoreDNS Ready; a Pod resolves through the kube-dns Service
	resolvesFromPod(t, client, "dns-aaaa", "echo6.default.svc.cluster.local", v6)
	podSucceeds(t, client, "http-v6", "a Pod reached the Service at its IPv6 cluster IP", "/bench", "http-get", "http://["+v6+"]:80/")
	for _, n := range c.Nodes {
		eventually(t, time.Minute, "the Service answers over IPv6 from "+n.Name, func(ctx context.Context) error {
			out, err := n.Run(ctx, env.benchBinary, "http-get", "http://["+v6+"]:80/")
			if err != nil {
				return err
			}
			if !strings.Contains(out, "echo6") {
				return fmt.Errorf("unexpected answer %q", out)
			}
			return nil
		})
	}
}

func isIPv6(ip string) bool { p := net.ParseIP(ip); return p != nil && p.To4() == nil }

func isIPv6CIDR(cidr string) bool {
	ip, _, err := net.ParseCIDR(cidr)
	return err == nil && ip.To4() == nil
}
