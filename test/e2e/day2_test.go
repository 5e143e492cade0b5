//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	"k8s.io/cluster-bootstrap/token/jws"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// whoAmI asks the API server who the client is.
func whoAmI(ctx context.Context, c clientset.Interface) (authv1.UserInfo, error) {
	r, err := c.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return authv1.UserInfo{}, err
	}
	return r.Status.UserInfo, nil
}

// tokenClient authenticates with a bearer token against the endpoint of
// the admin client's configuration.
func tokenClient(t *testing.T, n *sandbox.Node, token string) clientset.Interface {
	b, err := n.ReadFile(context.Background(), "/etc/kubernetes/admin.conf")
	must(t, err, "read admin.conf")
	admin, err := clientcmd.RESTConfigFromKubeConfig(b)
	must(t, err, "parse admin.conf")
	cfg := &rest.Config{Host: admin.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: admin.TLSClientConfig.CAData}, Timeout: 10 * time.Second}
	c, err := clientset.NewForConfig(cfg)
	must(t, err, "token client")
	return c
}

// expiries reads `kubeadm certs check-expiration -o json` on n.
func expiries(t *testing.T, n *sandbox.Node) map[string]time.Time {
	t.Helper()
	out, err := stdout(t, n, "certs", "check-expiration", "-o", "json")
	must(t, err, "check-expiration: %s", out)
	var info struct {
		Certificates []struct {
			Name           string    `json:"name"`
			ExpirationDate time.Time `json:"expirationDate"`
			Missing        bool      `json:"missing"`
		} `json:"certificates"`
	}
	must(t, json.Unmarshal([]byte(out), &info), "parse check-expiration output:\n%s", out)
	m := map[string]time.Time{}
	for _, c := range info.Certificates {
		if !c.Missing {
			m[c.Name] = c.ExpirationDate
		}
	}
	return m
}

// stdout runs kubeadm on n and returns its standard output alone.
func stdout(t *testing.T, n *sandbox.Node, args ...string) (string, error) {
	t.Helper()
	cmd, err := n.Command(context.Background(), append([]string{"kubeadm"}, args...)...)
	if err != nil {
		return "", err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return string(out), nil
}

// servingCertNotAfter is the expiry of the certificate the API server of
// n serves.
func servingCertNotAfter(n *sandbox.Node) (time.Time, error) {
	conn, err := tls.Dial("tcp", n.Address+":6443", &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only reading the certificate
	if err != nil {
		return time.Time{}, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].NotAfter, nil
}

// TestResetRejoinAndDay2 exercises the day-2 commands on a three-control-
// plane cluster: a token created with --ttl 1m works and then stops; cp3
// is reset (etcd keeps two voters and the cluster stays healthy; a second
// reset is harmless) and joins again; `certs renew all` on cp1 and a
// restart of its control-plane Pods give new expiry dates; and `kubeconfig
// user` writes a kubeconfig the API server accepts.
func TestResetRejoinAndDay2(t *testing.T) {
	var opts []sandbox.NodeOptions
	for _, n := range []string{"cp1", "cp2", "cp3"} {
		opts = append(opts, sandbox.NodeOptions{Name: n, Version: "v1.37.1"})
	}
	c := newCluster(t, opts...)
	cp1, cp3 := c.Nodes[0], c.Nodes[2]
	r := haInit(t, c, []string{"cp1", "cp2", "cp3"})
	for _, n := range c.Nodes[1:] {
		joinNode(t, n, c, r, true)
	}
	client := adminClient(t, cp1)
	checkEtcdVoters(t, cp1, etcdEndpoints(c.Nodes...), 3)
	ctx := context.Background()

	// A token that lives one minute.
	out, err := kubeadm(t, cp1, ctx, "token", "create", "--ttl", "1m", "--description", "e2e short-lived")
	must(t, err, "token create: %s", out)
	token := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	created := time.Now()
	id, _, _ := strings.Cut(token, ".")
	// token create signed cluster-info for it before it returned.
	ci, err := client.CoreV1().ConfigMaps("kube-public").Get(ctx, "cluster-info", metav1.GetOptions{})
	must(t, err, "read cluster-info")
	if !jws.DetachedTokenIsValid(ci.Data[bootstrapapi.JWSSignatureKeyPrefix+id], ci.Data[bootstrapapi.KubeConfigKey], id, strings.TrimPrefix(token, id+".")) {
		t.Errorf("cluster-info carries no valid signature of the new token %s right after token create", id)
	}
	u, err := whoAmI(ctx, tokenClient(t, cp1, token))
	must(t, err, "authenticate with the new token")
	if u.Username != "system:bootstrap:"+id {
		t.Fatalf("the token authenticates as %q", u.Username)
	}
	list, err := kubeadm(t, cp1, ctx, "token", "list", "-o", "json")
	must(t, err, "token list: %s", list)
	if !strings.Contains(list, id) || !strings.Contains(list, "e2e short-lived") {
		t.Errorf("token list does not show the new token:\n%s", list)
	}

	// Reset cp3: its etcd member goes, the rest keeps quorum.
	out, err = kubeadm(t, cp3, ctx, "reset", "--force")
	t.Logf("reset of cp3:\n%s", out)
	must(t, err, "reset cp3")
	if !strings.Contains(out, "removed the etcd member cp3") {
		t.Errorf("reset does not report removing cp3's etcd member")
	}
	checkEtcdVoters(t, cp1, etcdEndpoints(c.Nodes[:2]...), 2)
	for _, p := range []string{"/etc/kubernetes/manifests/etcd.yaml", "/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/admin.conf", "/var/lib/kubelet/config.yaml", "/var/lib/etcd/member"} {
		if _, err := cp3.ReadFile(ctx, p); err == nil {
			t.Errorf("%s is still there after reset", p)
		}
	}
	out, err = kubeadm(t, cp3, ctx, "reset", "--force")
	must(t, err, "a second reset: %s", out)
	eventually(t, time.Minute, "the cluster serves writes with two control planes", func(ctx context.Context) error {
		_, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "after-reset-", Namespace: "default"}}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		for _, n := range []string{"cp1", "cp2"} {
			if err := nodeReady(ctx, client, n); err != nil {
				return err
			}
		}
		return nil
	})

	// The same node joins again, once its Node object is deleted (as
	// reset tells the user to).
	must(t, client.CoreV1().Nodes().Delete(ctx, "cp3", metav1.DeleteOptions{}), "delete Node cp3")
	joinNode(t, cp3, c, r, true)
	checkEtcdVoters(t, cp1, etcdEndpoints(c.Nodes...), 3)
	eventually(t, 2*time.Minute, "node cp3 Ready again", func(ctx context.Context) error { return nodeReady(ctx, client, "cp3") })

	// Renew every certificate of cp1 and restart its control plane.
	before := expiries(t, cp1)
	servedBefore, err := servingCertNotAfter(cp1)
	must(t, err, "read the served certificate")
	time.Sleep(time.Second) // renewed certificates start a second later at least
	out, err = kubeadm(t, cp1, ctx, "certs", "renew", "all")
	must(t, err, "certs renew all: %s", out)
	restarted := time.Now()
	out, err = cp1.Run(ctx, "sh", "-c", "mkdir -p /root/paused && mv /etc/kubernetes/manifests/*.yaml /root/paused/ && sleep 5 && mv /root/paused/*.yaml /etc/kubernetes/manifests/")
	must(t, err, "restart the control-plane Pods: %s", out)
	eventually(t, 3*time.Minute, "cp1's control-plane containers started again and Ready", func(ctx context.Context) error {
		for _, comp := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
			p, err := client.CoreV1().Pods("kube-system").Get(ctx, comp+"-cp1", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Running == nil ||
				p.Status.ContainerStatuses[0].State.Running.StartedAt.Time.Before(restarted.Truncate(time.Second)) || !podReady(p) {
				return fmt.Errorf("%s has not restarted or is not Ready", p.Name)
			}
		}
		return nil
	})
	eventually(t, 3*time.Minute, "cp1's API server serves the renewed certificate", func(ctx context.Context) error {
		na, err := servingCertNotAfter(cp1)
		if err != nil {
			return err
		}
		if !na.After(servedBefore) {
			return fmt.Errorf("still serves the certificate expiring %s", na)
		}
		return nil
	})
	controlPlaneAt(t, client, "cp1", "v1.37.1", "3.7.0-0")
	after := expiries(t, cp1)
	for _, name := range []string{"admin.conf", "apiserver", "apiserver-etcd-client", "apiserver-kubelet-client", "controller-manager.conf", "etcd-healthcheck-client", "etcd-peer", "etcd-server", "front-proxy-client", "scheduler.conf", "super-admin.conf"} {
		if !after[name].After(before[name]) {
			t.Errorf("%s expires %s after the renewal, %s before", name, after[name], before[name])
		}
	}

	// kubeconfig user: a client certificate the API server accepts.
	out, err = stdout(t, cp1, "kubeconfig", "user", "--client-name", "e2e-user", "--org", "e2e-group", "--validity-period", "1h")
	must(t, err, "kubeconfig user: %s", out)
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(out))
	must(t, err, "parse the user's kubeconfig")
	cfg.Timeout = 10 * time.Second
	uc, err := clientset.NewForConfig(cfg)
	must(t, err, "user client")
	u, err = whoAmI(ctx, uc)
	must(t, err, "authenticate as e2e-user")
	if u.Username != "e2e-user" || !strings.Contains(strings.Join(u.Groups, ","), "e2e-group") {
		t.Errorf("the kubeconfig authenticates as %q in %v", u.Username, u.Groups)
	}

	// config images pull through the node's containerd: present images
	// are not pulled again; with no registry reachable the error names
	// the image.
	out, err = kubeadm(t, cp1, ctx, "config", "images", "pull")
	must(t, err, "config images pull: %s", out)
	if !strings.Contains(out, "Image is present: registry.k8s.io/kube-apiserver:v1.37.1") {
		t.Errorf("config images pull does not report the present images:\n%s", out)
	}
	out, err = kubeadm(t, cp1, ctx, "config", "images", "pull", "--image-repository", "registry.example/mirror")
	if err == nil || !strings.Contains(out, "registry.example/mirror/kube-apiserver:v1.37.1") || strings.Count(strings.TrimSpace(out), "\n") > 0 {
		t.Errorf("a pull from an unreachable registry must fail in one line naming the image; got %v:\n%s", err, out)
	}

	// By now the one-minute token has expired.
	if wait := time.Until(created.Add(65 * time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	if _, err := whoAmI(ctx, tokenClient(t, cp1, token)); err == nil {
		t.Errorf("the token still authenticates %s after it was created with --ttl 1m", time.Since(created).Round(time.Second))
	} else {
		t.Logf("the expired token is refused: %v", err)
	}
}
