//go:build e2e

package e2e

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// kernelIPVS says whether this kernel can run IPVS, and why not: the
// running kernel's configuration (/proc/config.gz) when it has one.
func kernelIPVS() (bool, string) {
	if _, err := os.Stat("/proc/net/ip_vs"); err == nil {
		return true, ""
	}
	f, err := os.Open("/proc/config.gz")
	if err != nil {
		return false, "/proc/net/ip_vs is absent (the ip_vs module is not loaded) and modules cannot be loaded on this machine"
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false, "/proc/net/ip_vs is absent; /proc/config.gz: " + err.Error()
	}
	b, _ := io.ReadAll(zr)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "CONFIG_IP_VS=") || line == "# CONFIG_IP_VS is not set" {
			return false, fmt.Sprintf("/proc/net/ip_vs is absent and the running kernel's configuration says %q (no IPVS to load)", line)
		}
	}
	return false, "/proc/net/ip_vs is absent"
}

// kubeProxyLogs returns the logs of node's kube-proxy container, the
// current and the previous one.
func kubeProxyLogs(ctx context.Context, client clientset.Interface, node string) (string, error) {
	pods, err := client.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=kube-proxy", FieldSelector: "spec.nodeName=" + node})
	if err != nil || len(pods.Items) == 0 {
		return "", fmt.Errorf("no kube-proxy Pod on %s yet (%v)", node, err)
	}
	var logs strings.Builder
	for _, previous := range []bool{false, true} {
		b, err := client.CoreV1().Pods("kube-system").GetLogs(pods.Items[0].Name, &corev1.PodLogOptions{Previous: previous}).DoRaw(ctx)
		if err == nil {
			logs.Write(b)
		}
	}
	return logs.String(), nil
}

// TestIPVS: a cluster whose kube-proxy runs in IPVS mode, given through
// kubeadm's configuration. init warns that IPVS is deprecated, as upstream
// 1.37 does, the kube-proxy ConfigMap says ipvs and kube-proxy starts its
// IPVS proxier; where the kernel has IPVS, kube-proxy programs a virtual
// server for the kubernetes Service and a Pod reaches CoreDNS through its
// Service. reset says what it leaves behind (the IPVS tables).
func TestIPVS(t *testing.T) {
	hasIPVS, why := kernelIPVS()
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"})
	cp1 := c.Nodes[0]
	ctx := context.Background()
	cfg := initConfig("v1.37.1", "") + "mode: ipvs\n"
	if !strings.HasSuffix(initConfig("v1.37.1", ""), "kind: KubeProxyConfiguration\nconntrack:\n  maxPerCore: 0\n") {
		t.Fatal("the bench configuration no longer ends with its KubeProxyConfiguration")
	}
	installKubeadm(t, cp1, cfg)
	out, err := kubeadm(t, cp1, ctx, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification")
	must(t, err, "init with kube-proxy mode ipvs: %s", out)
	if strings.Count(out, `field "mode" is set to "ipvs"`) != 1 || !strings.Contains(out, "deprecated") {
		t.Errorf("init does not warn once that IPVS is deprecated:\n%s", out)
	}
	client := adminClient(t, cp1)
	cm, err := client.CoreV1().ConfigMaps("kube-system").Get(ctx, "kube-proxy", metav1.GetOptions{})
	must(t, err, "read ConfigMap kube-proxy")
	if !strings.Contains(cm.Data["config.conf"], "mode: ipvs") {
		t.Errorf("the kube-proxy ConfigMap does not say mode: ipvs:\n%s", cm.Data["config.conf"])
	}
	eventually(t, 3*time.Minute, "node cp1 Ready", func(ctx context.Context) error { return nodeReady(ctx, client, "cp1") })

	if !hasIPVS {
		// kube-proxy read mode ipvs and tried the IPVS proxier: its own
		// refusal names IPVS.
		eventually(t, 2*time.Minute, "kube-proxy tried the IPVS proxier", func(ctx context.Context) error {
			logs, err := kubeProxyLogs(ctx, client, "cp1")
			if err != nil {
				return err
			}
			if !strings.Contains(logs, "can't use the IPVS proxier") {
				return fmt.Errorf("no IPVS refusal in kube-proxy's log yet")
			}
			return nil
		})
		t.Logf("IPVS cannot run on this machine: %s. kube-proxy read mode ipvs from kubeadm's ConfigMap and refused to start its IPVS proxier (\"can't use the IPVS proxier\"); virtual servers and Service traffic through IPVS are not checked here", why)
	} else {
		eventually(t, 2*time.Minute, "kube-proxy programmed IPVS virtual servers", func(ctx context.Context) error {
			logs, err := kubeProxyLogs(ctx, client, "cp1")
			if err != nil {
				return err
			}
			if !strings.Contains(logs, "Using ipvs Proxier") {
				return fmt.Errorf("kube-proxy does not use the IPVS proxier yet")
			}
			table, err := cp1.Run(ctx, "cat", "/proc/net/ip_vs")
			if err != nil {
				return err
			}
			// 10.96.0.1:443 is 0A600001:01BB in the kernel's listing.
			if !strings.Contains(table, "0A600001:01BB") {
				return fmt.Errorf("no virtual server for the kubernetes Service yet:\n%s", table)
			}
			return nil
		})
		checkDNSFromPod(t, client) // through the kube-dns Service, by IPVS
	}

	out, err = kubeadm(t, cp1, ctx, "reset", "--force")
	must(t, err, "reset: %s", out)
	if !strings.Contains(out, `If the cluster used IPVS, clear its tables`) || !strings.Contains(out, "ipvsadm --clear") {
		t.Errorf("reset does not say it leaves the IPVS tables:\n%s", out)
	}
}
