//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// newCluster creates a sandbox cluster for t and deletes it when t ends. On
// failure it first collects every log into _artifacts/<test> and prints
// where, with the last lines of each kubelet's log.
func newCluster(t *testing.T, nodes ...sandbox.NodeOptions) *sandbox.Cluster {
	t.Helper()
	return newClusterWith(t, nil, nodes...)
}

// newClusterWith is newCluster with the image sets of versions on every
// node (nil: the nodes' own versions).
func newClusterWith(t *testing.T, versions []string, nodes ...sandbox.NodeOptions) *sandbox.Cluster {
	t.Helper()
	return newClusterFrom(t, sandbox.CreateOptions{Nodes: nodes, Versions: versions})
}

// newClusterFrom creates the e2e cluster o describes (its name, bench
// binary, cache, tools image and log are the e2e run's).
func newClusterFrom(t *testing.T, o sandbox.CreateOptions) *sandbox.Cluster {
	t.Helper()
	ctx := context.Background()
	o.Name, o.BenchBinary, o.CacheRoot, o.ExtraImages = "e2e", env.benchBinary, env.cache.Root, []string{env.toolsImage}
	o.Log = func(f string, a ...any) { t.Logf(f, a...) }
	c, err := sandbox.Create(ctx, o)
	if err != nil {
		t.Fatalf("create cluster: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			reportLogs(t, c)
		}
		if err := c.Delete(context.Background()); err != nil {
			t.Errorf("delete cluster: %v", err)
		}
	})
	return c
}

func reportLogs(t *testing.T, c *sandbox.Cluster) {
	dir, err := filepath.Abs(filepath.Join(env.moduleRoot, "_artifacts", strings.ReplaceAll(t.Name(), "/", "_")))
	if err != nil {
		t.Logf("logs: %v", err)
		return
	}
	if _, err := c.CollectLogs(context.Background(), dir); err != nil {
		t.Logf("collect logs: %v", err)
	}
	t.Logf("logs of the failed test are in %s", dir)
	for _, n := range c.Nodes {
		t.Logf("last lines of %s kubelet.log:\n%s", n.Name, sandbox.LastLines(filepath.Join(dir, n.Name, "kubelet.log"), 20))
	}
}

// eventually polls check until it returns nil or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	var last error
	for {
		callCtx, callCancel := context.WithTimeout(ctx, 5*time.Second)
		last = check(callCtx)
		callCancel()
		if last == nil {
			t.Logf("%s after %s", what, time.Since(start).Round(100*time.Millisecond))
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %s: %v", what, timeout, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func must(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}

// settle waits until a new cluster can be joined without waiting on it:
// the node and CoreDNS are Ready and cluster-info is signed for the token.
func settle(t *testing.T, cp1 *sandbox.Node) {
	t.Helper()
	client := adminClient(t, cp1)
	id, _, _ := strings.Cut(e2eToken, ".")
	eventually(t, 3*time.Minute, "the cluster settled", func(ctx context.Context) error {
		if err := nodeReady(ctx, client, cp1.Name); err != nil {
			return err
		}
		cm, err := client.CoreV1().ConfigMaps("kube-public").Get(ctx, "cluster-info", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if _, ok := cm.Data["jws-kubeconfig-"+id]; !ok {
			return fmt.Errorf("cluster-info is not signed yet")
		}
		d, err := client.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil || d.Status.ReadyReplicas < 1 {
			return fmt.Errorf("coredns not ready: %v", err)
		}
		return nil
	})
}

// signatureOwners names the field managers of cluster-info that set the
// JWS signature of token id: "kube-controller-manager" when the bootstrap
// signer wrote it, the kubeadm client when kubeadm did and the signer
// found it current.
func signatureOwners(ctx context.Context, client clientset.Interface, id string) ([]string, error) {
	cm, err := client.CoreV1().ConfigMaps("kube-public").Get(ctx, "cluster-info", metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var owners []string
	for _, m := range cm.ManagedFields {
		if m.FieldsV1 != nil && strings.Contains(string(m.FieldsV1.Raw), `"f:jws-kubeconfig-`+id+`"`) {
			owners = append(owners, m.Manager)
		}
	}
	return owners, nil
}

// checkSignedByKubeadm checks that cluster-info carries the signature of
// token id and that kubeadm, not the bootstrap signer, wrote it.
func checkSignedByKubeadm(ctx context.Context, t *testing.T, client clientset.Interface, id string) {
	t.Helper()
	owners, err := signatureOwners(ctx, client, id)
	must(t, err, "read cluster-info")
	if len(owners) == 0 || slices.ContainsFunc(owners, func(m string) bool { return strings.HasPrefix(m, "kube-controller-manager") }) {
		t.Errorf("the cluster-info signature of token %s was written by %v, want kubeadm alone (the bootstrap signer rewrites a signature it finds missing or different)", id, owners)
	}
}

// caCertHash returns the --discovery-token-ca-cert-hash of n's cluster CA,
// computed here from ca.crt (not by kubeadm's code).
func caCertHash(t *testing.T, n *sandbox.Node) string {
	t.Helper()
	b, err := n.ReadFile(context.Background(), "/etc/kubernetes/pki/ca.crt")
	must(t, err, "read ca.crt")
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("ca.crt holds no PEM block")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	must(t, err, "parse ca.crt")
	sum := sha256.Sum256(ca.RawSubjectPublicKeyInfo)
	return "sha256:" + hex.EncodeToString(sum[:])
}
