//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// joinConfig is a JoinConfiguration with a short discovery timeout, so
// that refusals that retry (an unreachable endpoint, a token without a
// signature) end quickly.
func joinConfig(endpoint, token, caHash, nodeName, certificateKey string) string {
	cp := ""
	if certificateKey != "" {
		cp = "controlPlane:\n  certificateKey: " + certificateKey + "\n"
	}
	return fmt.Sprintf(`apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
nodeRegistration:
  name: %s
  ignorePreflightErrors: [SystemVerification]
discovery:
  bootstrapToken:
    apiServerEndpoint: %s
    token: %s
    caCertHashes: [%s]
timeouts:
  discovery: 15s
  tlsBootstrap: 30s
%s`, nodeName, endpoint, token, caHash, cp)
}

// checkNothingWritten fails if a refused join left kubelet configuration,
// kubeconfigs, certificates or static Pods on the node.
func checkNothingWritten(t *testing.T, n *sandbox.Node) {
	t.Helper()
	out, err := n.Run(context.Background(), "/bin/sh", "-c",
		"ls /etc/kubernetes/manifests; ls /etc/kubernetes/*.conf /etc/kubernetes/pki /var/lib/kubelet/config.yaml /var/lib/kubelet/kubeadm-flags.env 2>/dev/null; true")
	must(t, err, "list the node's files")
	if strings.TrimSpace(out) != "" {
		t.Errorf("a refused join left files on %s:\n%s", n.Name, out)
	}
}

// TestJoinRefusals checks that every cause of a refused join gives a
// one-line error naming it, within the discovery timeout, and leaves the
// node and the etcd cluster as they were.
func TestJoinRefusals(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1"}, sandbox.NodeOptions{Name: "n2"})
	r := haInit(t, c, []string{"cp1"})
	cp1, n2 := c.Nodes[0], c.Nodes[1]
	ep := c.LB.Endpoint()
	otherKey := strings.Repeat("ab", 32)
	expiring, err := kubeadm(t, cp1, context.Background(), "token", "create", "--ttl", "2s")
	must(t, err, "create a short-lived token")
	expiring = strings.TrimSpace(expiring)
	time.Sleep(3 * time.Second)

	cases := []struct {
		name, config string
		before       func()
		want         string
	}{
		{"wrong token", joinConfig(ep, "zzzzzz.0123456789abcdef", r.CACertHash, "n2", ""), nil, "token"},
		{"expired token", joinConfig(ep, expiring, r.CACertHash, "n2", ""), nil, "token"},
		{"CA hash mismatch", joinConfig(ep, e2eToken, "sha256:"+strings.Repeat("0", 64), "n2", ""), nil, "sha256:" + strings.Repeat("0", 64)},
		{"unreachable endpoint", joinConfig("10.200.0.1:6999", e2eToken, r.CACertHash, "n2", ""), nil, "10.200.0.1:6999"},
		{"node name taken", joinConfig(ep, e2eToken, r.CACertHash, "cp1", ""), nil, `"cp1" already exists`},
		{"wrong certificate key", joinConfig(ep, e2eToken, r.CACertHash, "n2", otherKey), nil, "certificate key is wrong"},
		{"missing kubeadm-certs", joinConfig(ep, e2eToken, r.CACertHash, "n2", e2eCertificateKey), func() {
			client := adminClient(t, cp1)
			must(t, client.CoreV1().Secrets("kube-system").Delete(context.Background(), "kubeadm-certs", metav1.DeleteOptions{}), "delete kubeadm-certs")
		}, "upload-certs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			installKubeadm(t, n2, tc.config)
			start := time.Now()
			out, err := kubeadm(t, n2, context.Background(), "join", "--config", nodeConfigPath)
			took := time.Since(start)
			if err == nil {
				t.Fatalf("the join was not refused:\n%s", out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "error: ") || !strings.Contains(last, tc.want) {
				t.Errorf("the last line does not name the cause (%q): %q", tc.want, last)
			}
			if took > 40*time.Second {
				t.Errorf("refused after %s, longer than the discovery timeout allows", took)
			}
			t.Logf("refused after %s: %s", took.Round(100*time.Millisecond), last)
			checkNothingWritten(t, n2)
		})
	}
	resp, err := etcdMembers(context.Background(), t, cp1, etcdEndpoints(cp1))
	must(t, err, "etcd members")
	if len(resp.Members) != 1 {
		t.Errorf("refused joins changed etcd: %d members", len(resp.Members))
	}
}
