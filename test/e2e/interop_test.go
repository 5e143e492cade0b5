//go:build e2e

package e2e

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/phases/showjoin"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// upstreamKubeadm is upstream kubeadm v1.37.1 on every v1.37.1 node.
const upstreamKubeadm = "kubeadm-upstream"

// joinWith joins n with the named kubeadm binary and waits for it to be Ready.
func joinWith(t *testing.T, c *sandbox.Cluster, n *sandbox.Node, bin string, r initResult, controlPlane bool) {
	t.Helper()
	installKubeadm(t, n, "")
	out, err := runKubeadm(t, n, context.Background(), bin, joinArgs(c, r, controlPlane)...)
	if err != nil {
		t.Fatalf("%s join of %s failed: %v\n%s", bin, n.Name, err, out)
	}
}

// TestInteropWithUpstreamKubeadm mixes this kubeadm and upstream kubeadm
// v1.37.1 on one cluster each way: upstream joins a control plane and a
// worker onto a cluster this tool made and inspects it (certs
// check-expiration, token list, upgrade plan); then this tool joins a
// control plane and a worker onto a cluster upstream made.
func TestInteropWithUpstreamKubeadm(t *testing.T) {
	for _, way := range []struct{ name, initBin, joinBin string }{
		{"upstream joins ours", "kubeadm", upstreamKubeadm},
		{"ours joins upstream's", upstreamKubeadm, "kubeadm"},
	} {
		t.Run(way.name, func(t *testing.T) {
			c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "cp2", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "w1", Version: "v1.37.1"})
			must(t, c.StartLB(context.Background(), 6443, []string{"cp1", "cp2"}), "start the load balancer")
			cp1 := c.Nodes[0]
			cfg := strings.Replace(initConfig("v1.37.1", "controlPlaneEndpoint: "+c.LB.Endpoint()+"\n"),
				"kind: InitConfiguration\n", "kind: InitConfiguration\ncertificateKey: "+e2eCertificateKey+"\n", 1)
			installKubeadm(t, cp1, cfg)
			out, err := runKubeadm(t, cp1, context.Background(), way.initBin, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification", "--upload-certs")
			if err != nil {
				t.Fatalf("%s init failed: %v\n%s", way.initBin, err, out)
			}
			client := adminClient(t, cp1)
			ca, err := cp1.ReadFile(context.Background(), "/etc/kubernetes/pki/ca.crt")
			must(t, err, "read ca.crt")
			r := initResult{CACertHash: caHashOf(t, ca)}
			joinWith(t, c, c.Nodes[1], way.joinBin, r, true)
			joinWith(t, c, c.Nodes[2], way.joinBin, r, false)
			for _, n := range c.Nodes {
				name := n.Name
				eventually(t, 3*time.Minute, "node "+name+" is Ready", func(ctx context.Context) error { return nodeReady(ctx, client, name) })
			}
			checkEtcdVoters(t, cp1, etcdEndpoints(cp1, c.Nodes[1]), 2)
			if way.initBin == "kubeadm" {
				for _, args := range [][]string{{"certs", "check-expiration"}, {"token", "list"}, {"upgrade", "plan", "v1.37.1", "--ignore-preflight-errors=SystemVerification"}} {
					out, err := runKubeadm(t, cp1, context.Background(), upstreamKubeadm, args...)
					if err != nil {
						t.Errorf("upstream kubeadm %s on this tool's cluster failed: %v\n%s", strings.Join(args, " "), err, out)
					}
				}
			}
			checkDNSFromPod(t, client)
		})
	}
}

// caHashOf is the discovery-token-ca-cert-hash of a PEM CA certificate.
func caHashOf(t *testing.T, caPEM []byte) string {
	t.Helper()
	block, _ := pem.Decode(caPEM)
	if block == nil {
		t.Fatal("ca.crt is not PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	must(t, err, "parse ca.crt")
	return showjoin.CACertHash(ca)
}

// TestUpstreamUpgradesThisToolsCluster: this tool makes a v1.36.3 control
// plane, and upstream kubeadm v1.37.1's `upgrade apply v1.37.1` upgrades it
// (upstream's preflight needs SystemVerification ignored on the bench's
// cgroup v1): afterwards the control plane runs v1.37.1 with etcd 3.7.0-0
// and serves, and kubeadm-config says v1.37.1.
func TestUpstreamUpgradesThisToolsCluster(t *testing.T) {
	c := newUpgradeCluster(t, "cp1")
	cp1 := c.Nodes[0]
	installKubeadm(t, cp1, initConfig(fromVersion, ""))
	out, err := kubeadm(t, cp1, context.Background(), "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification")
	if err != nil {
		t.Fatalf("init at %s: %v\n%s", fromVersion, err, out)
	}
	client := adminClient(t, cp1)
	controlPlaneAt(t, client, "cp1", fromVersion, "3.7.0-0") // upstream v1.37.1's etcd for v1.36
	settle(t, cp1)
	upstream := "kubeadm-upstream-" + toVersion
	must(t, cp1.InstallBinary(filepath.Join(env.cache.KubernetesDir(toVersion), "kubeadm"), upstream), "install upstream kubeadm %s", toVersion)
	out, err = runKubeadm(t, cp1, context.Background(), upstream, "upgrade", "apply", toVersion, "--yes", "--ignore-preflight-errors=SystemVerification")
	if err != nil {
		t.Fatalf("upstream upgrade apply of this tool's cluster failed: %v\n%s", err, lastLines(out, 20))
	}
	controlPlaneAt(t, client, "cp1", toVersion, "3.7.0-0")
	cm, err := client.CoreV1().ConfigMaps("kube-system").Get(context.Background(), "kubeadm-config", metav1.GetOptions{})
	must(t, err, "read kubeadm-config")
	if !strings.Contains(cm.Data["ClusterConfiguration"], "kubernetesVersion: "+toVersion) {
		t.Errorf("kubeadm-config does not say %s after upstream's upgrade:\n%s", toVersion, cm.Data["ClusterConfiguration"])
	}
}
