//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	"k8s.io/cluster-bootstrap/token/jws"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// TestInitResumesAndBuildsAControlPlane kills `kubeadm init` right after
// the control-plane phase, runs it again (it must continue and finish),
// checks that a third run is refused, then checks the cluster as upstream
// tooling would see it.
func TestInitResumesAndBuildsAControlPlane(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"})
	n := c.Nodes[0]
	installKubeadm(t, n, initConfig("v1.37.1", ""))
	ctx := context.Background()
	initArgs := []string{"init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification"}

	// 1. Start init and kill it once the control-plane phase has ended.
	cmd, err := n.Command(ctx, append(append([]string{"kubeadm"}, initArgs...), "-o", "json")...)
	must(t, err, "command")
	stdout, err := cmd.StdoutPipe()
	must(t, err, "pipe")
	must(t, cmd.Start(), "start init")
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var ev struct{ Event, Phase string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "phase-end" && ev.Phase == "control-plane/scheduler" {
			must(t, cmd.Process.Kill(), "kill init")
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("init ended before the control-plane phase finished")
	}
	t.Logf("killed init after the control-plane phase")

	// 2. The same command again continues and finishes.
	start := time.Now()
	out, err := kubeadm(t, n, ctx, append(initArgs, "-o", "json")...)
	if err != nil {
		t.Fatalf("re-run of init failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "continuing an init of this node that stopped part-way") {
		t.Errorf("the re-run did not say it continues an interrupted init:\n%s", out)
	}
	t.Logf("re-run of init finished in %s", time.Since(start).Round(100*time.Millisecond))
	result := parseInitResult(t, out)

	// 3. A third run is refused: the node is a complete control plane.
	out, err = kubeadm(t, n, ctx, initArgs...)
	if err == nil || !strings.Contains(out, "already is a complete control plane") {
		t.Errorf("a third init was not refused as expected (err %v):\n%s", err, out)
	}

	checkControlPlane(t, n, result, "v1.37.1")
}

// TestInitV136ECDSA builds a v1.36.3 control plane with ECDSA-P256 keys.
func TestInitV136ECDSA(t *testing.T) {
	// upstream v1.37.1's images for v1.36: etcd 3.7.0-0 and CoreDNS v1.14.6
	c := newClusterWith(t, []string{"v1.36.3", "v1.37.1"}, sandbox.NodeOptions{Name: "cp1", Version: "v1.36.3"})
	n := c.Nodes[0]
	installKubeadm(t, n, initConfig("v1.36.3", "encryptionAlgorithm: ECDSA-P256\n"))
	out, err := kubeadm(t, n, context.Background(), "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification", "--upload-certs", "-o", "json")
	if err != nil {
		t.Fatalf("init failed: %v\n%s", err, out)
	}
	checkUploadedCerts(t, adminClient(t, n))
	for _, f := range []string{"/etc/kubernetes/pki/apiserver.key", "/etc/kubernetes/pki/ca.key", "/etc/kubernetes/pki/etcd/server.key"} {
		b, err := n.ReadFile(context.Background(), f)
		must(t, err, "read %s", f)
		block, _ := pem.Decode(b)
		if block == nil || block.Type != "EC PRIVATE KEY" {
			t.Errorf("%s is not an EC key", f)
			continue
		}
		if key, err := x509.ParseECPrivateKey(block.Bytes); err != nil || key.Curve.Params().Name != "P-256" {
			t.Errorf("%s: not a P-256 key: %v", f, err)
		}
	}
	checkControlPlane(t, n, parseInitResult(t, out), "v1.36.3")
}

// checkUploadedCerts checks kube-system/kubeadm-certs: the encrypted CAs and
// service-account keys, owned by a bootstrap token that expires in 2h.
func checkUploadedCerts(t *testing.T, client clientset.Interface) {
	ctx := context.Background()
	s, err := client.CoreV1().Secrets("kube-system").Get(ctx, "kubeadm-certs", metav1.GetOptions{})
	must(t, err, "get Secret kubeadm-certs")
	for _, k := range []string{"ca.crt", "ca.key", "etcd-ca.crt", "etcd-ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.key", "sa.pub"} {
		if len(s.Data[k]) == 0 {
			t.Errorf("kubeadm-certs lacks %s", k)
		}
	}
	if strings.Contains(string(s.Data["ca.key"]), "PRIVATE KEY") {
		t.Errorf("kubeadm-certs holds ca.key unencrypted")
	}
	if len(s.OwnerReferences) != 1 || !strings.HasPrefix(s.OwnerReferences[0].Name, "bootstrap-token-") {
		t.Fatalf("kubeadm-certs owner references %v", s.OwnerReferences)
	}
	owner, err := client.CoreV1().Secrets("kube-system").Get(ctx, s.OwnerReferences[0].Name, metav1.GetOptions{})
	must(t, err, "get the owning token")
	exp, err := time.Parse(time.RFC3339, string(owner.Data["expiration"]))
	must(t, err, "token expiration")
	if left := time.Until(exp); left < 110*time.Minute || left > 2*time.Hour {
		t.Errorf("the owning token expires in %s, want about 2h", left)
	}
}

// checkControlPlane checks a single-node cluster made by init.
func checkControlPlane(t *testing.T, n *sandbox.Node, result initResult, version string) {
	client := adminClient(t, n)
	eventually(t, 3*time.Minute, "node Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	eventually(t, 3*time.Minute, "the four control-plane Pods Ready", func(ctx context.Context) error {
		for _, comp := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
			p, err := client.CoreV1().Pods("kube-system").Get(ctx, comp+"-"+n.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !podReady(p) {
				return fmt.Errorf("%s not Ready", p.Name)
			}
			if img := p.Spec.Containers[0].Image; comp != "etcd" && !strings.HasSuffix(img, ":"+version) {
				return fmt.Errorf("%s runs %s, not %s", p.Name, img, version)
			}
		}
		return nil
	})
	node, err := client.CoreV1().Nodes().Get(context.Background(), n.Name, metav1.GetOptions{})
	must(t, err, "get node")
	if node.Status.NodeInfo.KubeletVersion != version {
		t.Errorf("kubelet version %s, want %s", node.Status.NodeInfo.KubeletVersion, version)
	}
	if _, ok := node.Labels["node-role.kubernetes.io/control-plane"]; !ok {
		t.Errorf("node lacks the control-plane label: %v", node.Labels)
	}
	if len(node.Spec.Taints) == 0 || node.Spec.Taints[0].Key != "node-role.kubernetes.io/control-plane" {
		t.Errorf("node lacks the control-plane taint: %v", node.Spec.Taints)
	}
	checkWorkingDNS(t, client) // CoreDNS Ready; a Pod resolves through the kube-dns Service
	eventually(t, 2*time.Minute, "kube-proxy programmed the Service rules", func(ctx context.Context) error {
		out, err := n.Run(ctx, "iptables-save", "-t", "nat")
		if err != nil {
			return err
		}
		if !strings.Contains(out, "default/kubernetes:https") || !strings.Contains(out, "kube-system/kube-dns:dns") {
			return fmt.Errorf("no KUBE-SERVICES rules for default/kubernetes and kube-system/kube-dns yet")
		}
		return nil
	})
	checkJoinInfo(t, n, client, result)
	checkObjects(t, client)
}

// checkWorkingDNS waits for CoreDNS to be Ready, then has a Pod resolve
// kubernetes.default through it (by the kube-dns Service's cluster IP).
func checkWorkingDNS(t *testing.T, client clientset.Interface) {
	t.Helper()
	eventually(t, 3*time.Minute, "CoreDNS Ready", func(ctx context.Context) error {
		d, err := client.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if d.Status.ReadyReplicas < 1 {
			return fmt.Errorf("coredns: %d ready replicas", d.Status.ReadyReplicas)
		}
		return nil
	})
	checkDNSFromPod(t, client)
}

// checkDNSFromPod runs a Pod that resolves kubernetes.default through CoreDNS.
func checkDNSFromPod(t *testing.T, client clientset.Interface) {
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "dns-check", Namespace: "default"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Tolerations:   []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			Containers: []corev1.Container{{
				Name: "dns", Image: images.ToolsRef, ImagePullPolicy: corev1.PullNever,
				Command: []string{"/bench", "dns-check", "--name", "kubernetes.default.svc.cluster.local", "--want", "10.96.0.1"},
			}},
		},
	}
	eventually(t, time.Minute, "the default service account exists", func(ctx context.Context) error {
		_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
	_, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	must(t, err, "create the DNS check Pod")
	eventually(t, 2*time.Minute, "a Pod resolved kubernetes.default.svc.cluster.local through CoreDNS", func(ctx context.Context) error {
		p, err := client.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		switch p.Status.Phase {
		case corev1.PodSucceeded:
			return nil
		case corev1.PodFailed:
			t.Fatalf("the DNS check Pod failed: %+v", p.Status.ContainerStatuses)
		}
		return fmt.Errorf("pod phase %s", p.Status.Phase)
	})
}

// checkJoinInfo checks the printed join command against the cluster: the
// CA hash is that of ca.crt, and the token verifies cluster-info's JWS.
func checkJoinInfo(t *testing.T, n *sandbox.Node, client clientset.Interface, r initResult) {
	want := caCertHash(t, n)
	if r.CACertHash != want || !strings.Contains(r.WorkerJoinCommand, "--discovery-token-ca-cert-hash "+want) {
		t.Errorf("join command %q / hash %q do not carry the CA hash %s", r.WorkerJoinCommand, r.CACertHash, want)
	}
	if r.Token != e2eToken || !strings.Contains(r.WorkerJoinCommand, "--token "+e2eToken) {
		t.Errorf("join command %q does not carry the token", r.WorkerJoinCommand)
	}
	id, secret, _ := strings.Cut(e2eToken, ".")
	eventually(t, 2*time.Minute, "cluster-info signed for the token", func(ctx context.Context) error {
		cm, err := client.CoreV1().ConfigMaps("kube-public").Get(ctx, "cluster-info", metav1.GetOptions{})
		if err != nil {
			return err
		}
		sig, ok := cm.Data[bootstrapapi.JWSSignatureKeyPrefix+id]
		if !ok {
			return fmt.Errorf("no %s%s key yet", bootstrapapi.JWSSignatureKeyPrefix, id)
		}
		if !jws.DetachedTokenIsValid(sig, cm.Data[bootstrapapi.KubeConfigKey], id, secret) {
			return fmt.Errorf("the JWS signature does not verify with the token")
		}
		if !strings.Contains(cm.Data[bootstrapapi.KubeConfigKey], r.APIServerEndpoint) {
			return fmt.Errorf("cluster-info does not name the endpoint %s", r.APIServerEndpoint)
		}
		return nil
	})
	// init signed it; the bootstrap signer, running since the controller
	// manager was elected, found the signature current and left it.
	checkSignedByKubeadm(context.Background(), t, client, id)
}

// checkObjects checks the objects upstream kubeadm creates, by their names.
func checkObjects(t *testing.T, client clientset.Interface) {
	ctx := context.Background()
	var missing []string
	try := func(what string, err error) {
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (%v)", what, err))
		}
	}
	for _, cm := range []string{"kube-system/kubeadm-config", "kube-system/kubelet-config", "kube-public/cluster-info", "kube-system/kube-proxy", "kube-system/coredns"} {
		ns, name, _ := strings.Cut(cm, "/")
		_, err := client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		try("ConfigMap "+cm, err)
	}
	for _, r := range []string{"kube-system/kubeadm:nodes-kubeadm-config", "kube-system/kubeadm:kubelet-config", "kube-public/kubeadm:bootstrap-signer-clusterinfo", "kube-system/kube-proxy"} {
		ns, name, _ := strings.Cut(r, "/")
		_, err := client.RbacV1().Roles(ns).Get(ctx, name, metav1.GetOptions{})
		try("Role "+r, err)
		_, err = client.RbacV1().RoleBindings(ns).Get(ctx, name, metav1.GetOptions{})
		try("RoleBinding "+r, err)
	}
	for _, b := range []string{"kubeadm:kubelet-bootstrap", "kubeadm:node-autoapprove-bootstrap", "kubeadm:node-autoapprove-certificate-rotation",
		"kubeadm:get-nodes", "kubeadm:cluster-admins", "kubeadm:apiserver-kubelet-client", "kubeadm:node-proxier", "system:coredns"} {
		_, err := client.RbacV1().ClusterRoleBindings().Get(ctx, b, metav1.GetOptions{})
		try("ClusterRoleBinding "+b, err)
	}
	for _, r := range []string{"kubeadm:get-nodes", "system:coredns"} {
		_, err := client.RbacV1().ClusterRoles().Get(ctx, r, metav1.GetOptions{})
		try("ClusterRole "+r, err)
	}
	id, _, _ := strings.Cut(e2eToken, ".")
	_, err := client.CoreV1().Secrets("kube-system").Get(ctx, "bootstrap-token-"+id, metav1.GetOptions{})
	try("Secret kube-system/bootstrap-token-"+id, err)
	if len(missing) > 0 {
		t.Errorf("objects upstream kubeadm creates are missing: %s", strings.Join(missing, "; "))
	}
}
