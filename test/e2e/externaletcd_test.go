//go:build e2e

package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// etcdExternalVersion is the etcd the external cluster runs: the one
// kubeadm v1.37 pairs with, from the bench's artifacts.
const etcdExternalVersion = "3.7.0"

// issue signs a new ECDSA key's certificate with ca: cn, IP SANs and
// extended usages; it returns the certificate and key as PEM.
func (ca *outsideCA) issue(t *testing.T, cn string, ips []string, usages ...x509.ExtKeyUsage) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err, "key for %s", cn)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: usages,
		DNSNames: []string{cn, "localhost"},
	}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	must(t, err, "certificate for %s", cn)
	keyDER, err := x509.MarshalECPrivateKey(key)
	must(t, err, "marshal key of %s", cn)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// startExternalEtcd runs a TLS etcd cluster, one member on each of nodes
// (outside any kubelet), until the test ends. It returns the client
// endpoints and the processes' PIDs by node.
func startExternalEtcd(t *testing.T, ca *outsideCA, nodes []*sandbox.Node) ([]string, map[string]int) {
	t.Helper()
	ctx := context.Background()
	var initial, endpoints []string
	for _, n := range nodes {
		initial = append(initial, fmt.Sprintf("%s=https://%s:2380", n.Name, n.Address))
		endpoints = append(endpoints, fmt.Sprintf("https://%s:2379", n.Address))
	}
	bin := filepath.Join(env.cache.Root, "etcd", etcdExternalVersion, "etcd")
	pids := map[string]int{}
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	for _, n := range nodes {
		must(t, n.WriteFile(ctx, "/etc/kubernetes/external-etcd/ca.crt", ca.certPEM(), 0o644), "write etcd's CA on %s", n.Name)
		for _, kind := range []string{"server", "peer"} {
			cert, key := ca.issue(t, n.Name, []string{n.Address, "127.0.0.1"}, both...)
			must(t, n.WriteFile(ctx, "/etc/kubernetes/external-etcd/"+kind+".crt", cert, 0o644), "write %s certificate on %s", kind, n.Name)
			must(t, n.WriteFile(ctx, "/etc/kubernetes/external-etcd/"+kind+".key", key, 0o600), "write %s key on %s", kind, n.Name)
		}
		p := func(f string) string { return "/etc/kubernetes/external-etcd/" + f }
		cmd, err := n.Command(ctx, bin, "--name", n.Name, "--data-dir", "/var/lib/etcd",
			"--listen-client-urls", "https://"+n.Address+":2379,https://127.0.0.1:2379", "--advertise-client-urls", "https://"+n.Address+":2379",
			"--listen-peer-urls", "https://"+n.Address+":2380", "--initial-advertise-peer-urls", "https://"+n.Address+":2380",
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-state", "new", "--initial-cluster-token", "external-etcd",
			"--client-cert-auth", "--trusted-ca-file", p("ca.crt"), "--cert-file", p("server.crt"), "--key-file", p("server.key"),
			"--peer-client-cert-auth", "--peer-trusted-ca-file", p("ca.crt"), "--peer-cert-file", p("peer.crt"), "--peer-key-file", p("peer.key"))
		must(t, err, "etcd command on %s", n.Name)
		log, err := os.Create(filepath.Join(n.LogDir(), "external-etcd.log"))
		must(t, err, "etcd log of %s", n.Name)
		cmd.Stdout, cmd.Stderr = log, log
		must(t, cmd.Start(), "start etcd on %s", n.Name)
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); log.Close() })
	}
	for _, n := range nodes {
		eventually(t, 30*time.Second, "etcd runs on "+n.Name, func(context.Context) error {
			found, err := n.Processes("etcd")
			if err != nil || len(found) != 1 {
				return fmt.Errorf("etcd processes on %s: %v (%v)", n.Name, found, err)
			}
			pids[n.Name] = found[0]
			return nil
		})
	}
	return endpoints, pids
}

// checkEtcdProcesses fails unless each node runs the one etcd process it
// ran at the start (the external members were neither stopped nor replaced).
func checkEtcdProcesses(t *testing.T, nodes []*sandbox.Node, pids map[string]int) {
	t.Helper()
	for _, n := range nodes {
		if found, err := n.Processes("etcd"); err != nil || len(found) != 1 || found[0] != pids[n.Name] {
			t.Errorf("etcd on %s: processes %v (%v), want the same one, %d", n.Name, found, err, pids[n.Name])
		}
	}
}

// sameMembers fails unless after has exactly before's members (IDs and
// peer URLs), none a learner.
func sameMembers(t *testing.T, what string, before, after []*etcdserverpb.Member) {
	t.Helper()
	key := func(ms []*etcdserverpb.Member) string {
		var s []string
		for _, m := range ms {
			s = append(s, fmt.Sprintf("%x=%v learner=%v", m.ID, m.PeerURLs, m.IsLearner))
		}
		sort.Strings(s)
		return strings.Join(s, " ")
	}
	if key(before) != key(after) {
		t.Errorf("%s changed the external etcd's members:\nbefore %s\nafter  %s", what, key(before), key(after))
	}
}

// TestExternalEtcd: a 3-member TLS etcd cluster on its own bench nodes.
// init with etcd.external builds a control plane on it (no etcd Pod, no
// etcd certificates of its own), a second control plane joins with the
// external etcd's client files delivered through kubeadm-certs, `upgrade
// apply` upgrades the control plane from v1.36.3 to v1.37.1 and leaves
// etcd alone (same members, same processes), and reset of a control plane
// leaves the members alone.
func TestExternalEtcd(t *testing.T) {
	c := newClusterWith(t, []string{fromVersion, toVersion},
		sandbox.NodeOptions{Name: "cp1", Version: fromVersion}, sandbox.NodeOptions{Name: "cp2", Version: fromVersion},
		sandbox.NodeOptions{Name: "etcd1"}, sandbox.NodeOptions{Name: "etcd2"}, sandbox.NodeOptions{Name: "etcd3"})
	cp1, cp2, etcdNodes := c.Nodes[0], c.Nodes[1], c.Nodes[2:]
	ctx := context.Background()
	ca := newOutsideCA(t, "external-etcd-ca")
	endpoints, pids := startExternalEtcd(t, ca, etcdNodes)

	// The API server's client identity, where the configuration names it.
	clientCert, clientKey := ca.issue(t, "kube-apiserver-etcd-client", nil, x509.ExtKeyUsageClientAuth)
	must(t, cp1.WriteFile(ctx, "/etc/kubernetes/pki/etcd/ca.crt", ca.certPEM(), 0o644), "write etcd's CA")
	must(t, cp1.WriteFile(ctx, "/etc/kubernetes/pki/apiserver-etcd-client.crt", clientCert, 0o644), "write the etcd client certificate")
	must(t, cp1.WriteFile(ctx, "/etc/kubernetes/pki/apiserver-etcd-client.key", clientKey, 0o600), "write the etcd client key")
	checkEtcdVoters(t, cp1, endpoints, 3)
	before, err := etcdMembers(ctx, t, cp1, endpoints)
	must(t, err, "list the external members")

	must(t, c.StartLB(ctx, 6443, []string{"cp1", "cp2"}), "start the load balancer")
	external := fmt.Sprintf(`controlPlaneEndpoint: %s
etcd:
  external:
    endpoints: [%s]
    caFile: /etc/kubernetes/pki/etcd/ca.crt
    certFile: /etc/kubernetes/pki/apiserver-etcd-client.crt
    keyFile: /etc/kubernetes/pki/apiserver-etcd-client.key
`, c.LB.Endpoint(), strings.Join(endpoints, ", "))
	cfg := strings.Replace(initConfig(fromVersion, external), "kind: InitConfiguration\n", "kind: InitConfiguration\ncertificateKey: "+e2eCertificateKey+"\n", 1)
	installKubeadm(t, cp1, cfg)
	out, err := kubeadm(t, cp1, ctx, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification", "--upload-certs", "-o", "json")
	must(t, err, "init on external etcd: %s", out)
	r := parseInitResult(t, out)
	client := adminClient(t, cp1)
	eventually(t, 3*time.Minute, "node cp1 Ready", func(ctx context.Context) error { return nodeReady(ctx, client, "cp1") })
	noLocalEtcd := func(n *sandbox.Node) {
		t.Helper()
		left, _ := n.Run(ctx, "/bin/sh", "-c", "ls /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/pki/etcd/server.crt /etc/kubernetes/pki/etcd/ca.key /var/lib/etcd/member 2>/dev/null; true")
		if strings.TrimSpace(left) != "" {
			t.Errorf("%s has a local etcd or etcd certificates of its own with external etcd:\n%s", n.Name, left)
		}
	}
	noLocalEtcd(cp1)
	// The cluster's objects are in the external etcd.
	resp, err := etcdMembers(ctx, t, cp1, endpoints)
	must(t, err, "list members after init")
	if len(resp.Members) != 3 {
		t.Errorf("init changed the external etcd's members: %d", len(resp.Members))
	}
	_, err = client.CoreV1().ConfigMaps("kube-system").Get(ctx, "kubeadm-config", metav1.GetOptions{})
	must(t, err, "read kubeadm-config")

	// cp2 joins: the external etcd's client files come from kubeadm-certs.
	joinNode(t, cp2, c, r, true)
	for _, f := range []string{"/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/apiserver-etcd-client.crt", "/etc/kubernetes/pki/apiserver-etcd-client.key"} {
		a, err1 := cp1.ReadFile(ctx, f)
		b, err2 := cp2.ReadFile(ctx, f)
		if err1 != nil || err2 != nil || string(a) != string(b) {
			t.Errorf("%s on cp2 is not cp1's (delivered through kubeadm-certs): %v %v", f, err1, err2)
		}
	}
	noLocalEtcd(cp2)
	eventually(t, 3*time.Minute, "node cp2 Ready with its API server", func(ctx context.Context) error {
		if err := nodeReady(ctx, client, "cp2"); err != nil {
			return err
		}
		p, err := client.CoreV1().Pods("kube-system").Get(ctx, "kube-apiserver-cp2", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !podReady(p) {
			return fmt.Errorf("kube-apiserver-cp2 not Ready")
		}
		return nil
	})
	cp2Client := adminClientAt(t, cp1, "https://"+cp2.Address+":6443")
	_, err = cp2Client.CoreV1().Nodes().Get(ctx, "cp1", metav1.GetOptions{})
	must(t, err, "cp2's API server serves the cluster from the external etcd")

	// upgrade apply: the control plane moves to v1.37.1, etcd is left alone.
	out, err = kubeadm(t, cp1, ctx, "upgrade", "apply", toVersion, "--yes", "--ignore-preflight-errors=SystemVerification")
	must(t, err, "upgrade apply on external etcd: %s", out)
	if strings.Contains(out, "etcd backup") {
		t.Errorf("the upgrade touched etcd:\n%s", out)
	}
	eventually(t, 3*time.Minute, "cp1's control plane at "+toVersion, func(ctx context.Context) error {
		for _, comp := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
			p, err := client.CoreV1().Pods("kube-system").Get(ctx, comp+"-cp1", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if img := p.Spec.Containers[0].Image; !strings.HasSuffix(img, ":"+toVersion) || !podReady(p) {
				return fmt.Errorf("%s runs %s (Ready %v)", p.Name, img, podReady(p))
			}
		}
		return nil
	})
	noLocalEtcd(cp1)
	after, err := etcdMembers(ctx, t, cp1, endpoints)
	must(t, err, "list members after the upgrade")
	sameMembers(t, "the upgrade", before.Members, after.Members)
	checkEtcdProcesses(t, etcdNodes, pids)

	// A working cluster, checked before cp2 goes (a Pod the scheduler put on
	// cp2 would wait there until its Node is found NotReady).
	checkWorkingDNS(t, client) // CoreDNS Ready; a Pod resolves through the kube-dns Service

	// reset of cp2 leaves the external members alone.
	out, err = kubeadm(t, cp2, ctx, "reset", "--force")
	must(t, err, "reset cp2: %s", out)
	if !strings.Contains(out, "external etcd is cleaned up by hand") {
		t.Errorf("reset does not say it leaves the external etcd alone:\n%s", out)
	}
	after, err = etcdMembers(ctx, t, cp1, endpoints)
	must(t, err, "list members after reset")
	sameMembers(t, "reset", before.Members, after.Members)
	checkEtcdProcesses(t, etcdNodes, pids)

}
