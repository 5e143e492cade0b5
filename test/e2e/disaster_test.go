//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

const (
	drNamespace  = "dr"
	drConfigMaps = 200
	// drBackupDir is inside the node's own /etc/kubernetes: the default
	// (/var/backups) is the host's on the bench.
	drBackupDir = "/etc/kubernetes/backups"
	drKeyFile   = "/root/backup.key"
	drKey       = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

// writeDRObjects creates drConfigMaps ConfigMaps and a one-replica
// Deployment on the worker, waits until it is available, and returns the
// UIDs of its Pod and of the worker's Node, which a restore must keep.
func writeDRObjects(t *testing.T, client clientset.Interface, worker string) (pod string, node types.UID) {
	t.Helper()
	ctx := context.Background()
	_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: drNamespace}}, metav1.CreateOptions{})
	must(t, err, "create namespace %s", drNamespace)
	for i := 0; i < drConfigMaps; i++ {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%03d", i)}, Data: map[string]string{"i": fmt.Sprint(i)}}
		_, err := client.CoreV1().ConfigMaps(drNamespace).Create(ctx, cm, metav1.CreateOptions{})
		must(t, err, "create ConfigMap %d", i)
	}
	labels := map[string]string{"app": "keeper"}
	one := int32(1)
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "keeper"}, Spec: appsv1.DeploymentSpec{Replicas: &one,
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"kubernetes.io/hostname": worker},
			Containers: []corev1.Container{{Name: "keeper", Image: images.ToolsRef, ImagePullPolicy: corev1.PullNever,
				Command: []string{"/bench", "serve", "--listen", ":8080"}}}}}}}
	_, err = client.AppsV1().Deployments(drNamespace).Create(ctx, dep, metav1.CreateOptions{})
	must(t, err, "create Deployment keeper")
	eventually(t, 3*time.Minute, "Deployment keeper available", func(ctx context.Context) error { return deploymentAvailable(ctx, client) })
	pod, err = keeperPod(ctx, client)
	must(t, err, "read the keeper Pod")
	n, err := client.CoreV1().Nodes().Get(ctx, worker, metav1.GetOptions{})
	must(t, err, "read Node %s", worker)
	return pod, n.UID
}

func deploymentAvailable(ctx context.Context, client clientset.Interface) error {
	d, err := client.AppsV1().Deployments(drNamespace).Get(ctx, "keeper", metav1.GetOptions{})
	if err != nil {
		return err
	}
	if d.Status.AvailableReplicas != 1 {
		return fmt.Errorf("%d of 1 replicas available", d.Status.AvailableReplicas)
	}
	return nil
}

// drCount is the number of ConfigMaps in the DR namespace.
func drCount(ctx context.Context, client clientset.Interface) (int, error) {
	l, err := client.CoreV1().ConfigMaps(drNamespace).List(ctx, metav1.ListOptions{LabelSelector: ""})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, cm := range l.Items {
		if strings.HasPrefix(cm.Name, "cm-") {
			n++
		}
	}
	return n, nil
}

// keeperPod is the UID of the keeper Deployment's Pod.
func keeperPod(ctx context.Context, client clientset.Interface) (string, error) {
	l, err := client.CoreV1().Pods(drNamespace).List(ctx, metav1.ListOptions{LabelSelector: "app=keeper"})
	if err != nil {
		return "", err
	}
	if len(l.Items) != 1 {
		return "", fmt.Errorf("%d keeper Pods", len(l.Items))
	}
	return string(l.Items[0].UID), nil
}

// refused runs kubeadm expecting a refusal: a non-zero exit and one line
// that contains want.
func refused(t *testing.T, n *sandbox.Node, want string, args ...string) {
	t.Helper()
	out, err := kubeadm(t, n, context.Background(), args...)
	if err == nil {
		t.Fatalf("kubeadm %s succeeded:\n%s", strings.Join(args, " "), out)
	}
	if strings.Count(strings.TrimRight(out, "\n"), "\n") != 0 || !strings.Contains(out, want) {
		t.Errorf("kubeadm %s: want one line containing %q, got:\n%s", strings.Join(args, " "), want, out)
	}
}

// unchanged checks that a refused restore left the control plane as it
// was: every manifest in place and no restore record.
func unchanged(t *testing.T, n *sandbox.Node) {
	t.Helper()
	out, err := n.Run(context.Background(), "sh", "-c", "ls /etc/kubernetes/manifests; ls -d /etc/kubernetes/tmp/kubeadm-restore-* 2>/dev/null || true")
	must(t, err, "list the manifests")
	for _, m := range []string{"etcd.yaml", "kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml"} {
		if !strings.Contains(out, m) {
			t.Errorf("a refused restore moved %s: %s", m, out)
		}
	}
	if strings.Contains(out, "kubeadm-restore-") {
		t.Errorf("a refused restore left a record: %s", out)
	}
}

// checkRestored checks what a restore from the backup must give back: the
// ConfigMaps written before it and not the one written after, and the
// keeper Deployment available with the Pod it had.
func checkRestored(t *testing.T, client clientset.Interface, podBefore string) {
	t.Helper()
	ctx := context.Background()
	if n, err := drCount(ctx, client); err != nil || n != drConfigMaps {
		t.Errorf("%d of %d ConfigMaps back (%v)", n, drConfigMaps, err)
	}
	if _, err := client.CoreV1().ConfigMaps(drNamespace).Get(ctx, "after-backup", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the ConfigMap written after the backup: %v, want not found", err)
	}
	eventually(t, 3*time.Minute, "Deployment keeper available after the restore", func(ctx context.Context) error { return deploymentAvailable(ctx, client) })
	if podAfter, err := keeperPod(ctx, client); err != nil || podAfter != podBefore {
		t.Errorf("the keeper Pod is %s (%v), was %s", podAfter, err, podBefore)
	}
}

var apiReadyLine = regexp.MustCompile(`kube-apiserver at \S+ is ready, (\S+) after the restore began`)

// TestEtcdDisasterDataLost backs up a control plane (encrypted, with -q),
// writes after the backup, then wipes etcd's data with the node stopped:
// the cluster comes back empty. Bad restores are refused in one line and
// change nothing; the restore from the backup brings back every object
// written before it, not the one written after, and the worker and its
// Pod carry on without re-joining.
func TestEtcdDisasterDataLost(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "w1", Version: "v1.37.1"})
	cp1, w1 := c.Nodes[0], c.Nodes[1]
	r := haInit(t, c, []string{"cp1"})
	joinNode(t, w1, c, r, false)
	client := adminClient(t, cp1)
	for _, n := range c.Nodes {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	podBefore, _ := writeDRObjects(t, client, w1.Name)
	ctx := context.Background()

	must(t, cp1.WriteFile(ctx, drKeyFile, []byte(drKey+"\n"), 0o600), "write the key file")
	out, err := kubeadm(t, cp1, ctx, "etcd", "snapshot", "save", "--output-dir", drBackupDir, "--encryption-key-file", drKeyFile, "-q")
	if err != nil || out != "" {
		t.Fatalf("snapshot save -q: %v, output %q (want none)", err, out)
	}
	out, err = stdout(t, cp1, "etcd", "snapshot", "list", "--dir", drBackupDir, "-o", "json")
	must(t, err, "snapshot list")
	var listed struct {
		Kind, Path, Node, MemberName string
		Revision                     int64
		TotalKeys                    int
		Encrypted                    bool
	}
	must(t, json.Unmarshal([]byte(out), &listed), "parse the listing %s", out)
	if listed.Kind != "EtcdBackup" || !listed.Encrypted || listed.Revision == 0 || listed.TotalKeys < drConfigMaps || listed.Node != "cp1" {
		t.Errorf("listing %+v", listed)
	}
	if strings.Contains(out, drKey) {
		t.Errorf("the listing shows the key")
	}
	t.Logf("backup %s: revision %d, %d keys", listed.Path, listed.Revision, listed.TotalKeys)
	_, err = client.CoreV1().ConfigMaps(drNamespace).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-backup"}}, metav1.CreateOptions{})
	must(t, err, "write after the backup")

	// Refusals, each one line, changing nothing.
	must(t, cp1.WriteFile(ctx, "/root/other.key", []byte(strings.Repeat("ab", 32)), 0o600), "write another key")
	refused(t, cp1, "does not open", "etcd", "restore", "--from", listed.Path, "--encryption-key-file", "/root/other.key", "--force")
	refused(t, cp1, "encrypted", "etcd", "restore", "--from", listed.Path, "--force")
	_, err = cp1.Run(ctx, "sh", "-c", "cp "+listed.Path+" /root/damaged.tar && printf 'XXXX' | dd of=/root/damaged.tar bs=1 seek=4000 conv=notrunc 2>/dev/null")
	must(t, err, "damage a copy")
	refused(t, cp1, "damaged", "etcd", "restore", "--from", "/root/damaged.tar", "--encryption-key-file", drKeyFile, "--force")
	refused(t, cp1, "healthy in a cluster with quorum", "etcd", "restore", "--from", listed.Path, "--encryption-key-file", drKeyFile)
	unchanged(t, cp1)

	// The disaster: etcd's data wiped while the node is down.
	must(t, cp1.Stop(ctx), "stop cp1")
	must(t, os.RemoveAll(filepath.Join(cp1.Dir(), "var-lib-etcd", "member")), "wipe cp1's etcd data")
	must(t, cp1.Start(ctx), "start cp1")
	// An empty cluster has not even the binding that makes admin.conf's
	// group cluster-admin: ask as super-admin.
	eventually(t, 4*time.Minute, "the API serving an empty cluster", func(ctx context.Context) error {
		out, err := cp1.Run(ctx, "kubectl", "--kubeconfig", "/etc/kubernetes/super-admin.conf", "get", "namespace", drNamespace)
		if err == nil || !strings.Contains(out, "NotFound") {
			return fmt.Errorf("namespace %s: %v: %s", drNamespace, err, out)
		}
		return nil
	})
	t.Logf("etcd's data is lost: the API serves a cluster without namespace %s", drNamespace)

	start := time.Now()
	out, err = kubeadm(t, cp1, ctx, "etcd", "restore", "--from", listed.Path, "--encryption-key-file", drKeyFile, "--force")
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	restoreTook := time.Since(start)
	t.Logf("restore:\n%s", out)
	if !strings.Contains(out, fmt.Sprintf("as it was at revision %d", listed.Revision)) || !strings.Contains(out, "lost") {
		t.Errorf("the restore does not say what was lost")
	}
	apiReady := "?"
	if m := apiReadyLine.FindStringSubmatch(out); m != nil {
		apiReady = m[1]
	}
	for _, n := range c.Nodes {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready after the restore", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	allReady := time.Since(start)
	checkRestored(t, client, podBefore)
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1), 1)
	t.Logf("recovery times: restore command %s, API serving %s after the restore began, all nodes Ready %s after it began; %d ConfigMaps and the Deployment back, the write after the backup lost",
		restoreTook.Round(100*time.Millisecond), apiReady, allReady.Round(100*time.Millisecond), drConfigMaps)
}

// TestEtcdDisasterQuorumLost loses two of three control planes for good:
// the API serves nothing. The restore on the survivor keeps its data,
// removes the dead Node objects, and two new control planes join as
// usual: etcd has three voters again, and the worker never re-joined.
func TestEtcdDisasterQuorumLost(t *testing.T) {
	var opts []sandbox.NodeOptions
	for _, name := range []string{"cp1", "cp2", "cp3", "w1", "cp4", "cp5"} {
		opts = append(opts, sandbox.NodeOptions{Name: name, Version: "v1.37.1"})
	}
	c := newCluster(t, opts...)
	cp1, cp2, cp3, w1, cp4, cp5 := c.Nodes[0], c.Nodes[1], c.Nodes[2], c.Nodes[3], c.Nodes[4], c.Nodes[5]
	r := haInit(t, c, []string{"cp1", "cp2", "cp3", "cp4", "cp5"})
	joinNode(t, cp2, c, r, true)
	joinNode(t, cp3, c, r, true)
	joinNode(t, w1, c, r, false)
	client := adminClient(t, cp1)
	for _, n := range []*sandbox.Node{cp1, cp2, cp3, w1} {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1, cp2, cp3), 3)
	podBefore, w1Before := writeDRObjects(t, client, w1.Name)
	ctx := context.Background()

	must(t, cp2.Stop(ctx), "stop cp2")
	must(t, cp3.Stop(ctx), "stop cp3")
	direct := adminClientAt(t, cp1, "https://"+cp1.Address+":6443")
	eventually(t, 2*time.Minute, "the API serving nothing without quorum", func(ctx context.Context) error {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := direct.CoreV1().ConfigMaps(drNamespace).Get(rctx, "cm-000", metav1.GetOptions{}); err == nil {
			return fmt.Errorf("the API still answers")
		}
		return nil
	})
	t.Logf("cp2 and cp3 are lost: the API on cp1 serves nothing")

	start := time.Now()
	out, err := kubeadm(t, cp1, ctx, "etcd", "restore")
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	restoreTook := time.Since(start)
	t.Logf("restore:\n%s", out)
	if !strings.Contains(out, "no write it had was lost") || !strings.Contains(out, "dropped etcd members: cp2, cp3") {
		t.Errorf("the restore does not say what it did")
	}
	apiReady := "?"
	if m := apiReadyLine.FindStringSubmatch(out); m != nil {
		apiReady = m[1]
	}
	for _, n := range []*sandbox.Node{cp1, w1} {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready after the restore", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	allReady := time.Since(start)
	for _, gone := range []string{"cp2", "cp3"} {
		if _, err := client.CoreV1().Nodes().Get(ctx, gone, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("Node %s after the restore: %v, want not found", gone, err)
		}
	}
	eventually(t, 2*time.Minute, "the kubernetes Service's endpoints only cp1", func(ctx context.Context) error {
		e, err := client.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		if err != nil {
			return err
		}
		var addrs []string
		for _, s := range e.Subsets {
			for _, a := range s.Addresses {
				addrs = append(addrs, a.IP)
			}
		}
		if len(addrs) != 1 || addrs[0] != cp1.Address {
			return fmt.Errorf("endpoints %v", addrs)
		}
		return nil
	})
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1), 1)
	if n, err := drCount(ctx, client); err != nil || n != drConfigMaps {
		t.Errorf("%d of %d ConfigMaps after the restore (%v)", n, drConfigMaps, err)
	}

	// New control planes join the ordinary way, with fresh certificates
	// uploaded as the restore says.
	out, err = kubeadm(t, cp1, ctx, "init", "phase", "upload-certs", "--upload-certs", "--certificate-key", e2eCertificateKey)
	must(t, err, "upload-certs: %s", out)
	joinStart := time.Now()
	joinNode(t, cp4, c, r, true)
	joinNode(t, cp5, c, r, true)
	for _, n := range []*sandbox.Node{cp4, cp5} {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1, cp4, cp5), 3)
	eventually(t, 3*time.Minute, "Deployment keeper available", func(ctx context.Context) error { return deploymentAvailable(ctx, client) })
	if podAfter, err := keeperPod(ctx, client); err != nil || podAfter != podBefore {
		t.Errorf("the keeper Pod is %s (%v), was %s", podAfter, err, podBefore)
	}
	w1After, err := client.CoreV1().Nodes().Get(ctx, w1.Name, metav1.GetOptions{})
	must(t, err, "read Node w1")
	if w1After.UID != w1Before {
		t.Errorf("Node w1 was recreated (re-joined?): UID %s, was %s", w1After.UID, w1Before)
	}
	t.Logf("recovery times: restore command %s, API serving %s after the restore began, cp1 and w1 Ready %s after it began; two new control planes joined in %s; %d ConfigMaps kept, nothing lost",
		restoreTook.Round(100*time.Millisecond), apiReady, allReady.Round(100*time.Millisecond), time.Since(joinStart).Round(100*time.Millisecond), drConfigMaps)
}

// TestEtcdDisasterAllControlPlanesLost loses the only control plane for
// good after a backup. A new node rebuilds it from the backup with
// `etcd restore`: the same CAs and service-account keys (a token issued
// before still works), the worker reconnects through the same
// controlPlaneEndpoint without re-joining, the objects written before the
// backup are back, the one written after it is lost, and the dead control
// plane's Node is removed.
func TestEtcdDisasterAllControlPlanesLost(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "w1", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "cp2", Version: "v1.37.1"})
	cp1, w1, cp2 := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	r := haInit(t, c, []string{"cp1", "cp2"})
	joinNode(t, w1, c, r, false)
	client := adminClient(t, cp1)
	for _, n := range []*sandbox.Node{cp1, w1} {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	podBefore, w1Before := writeDRObjects(t, client, w1.Name)
	ctx := context.Background()
	_, err := client.CoreV1().ServiceAccounts(drNamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader"}}, metav1.CreateOptions{})
	must(t, err, "create ServiceAccount reader")
	tok, err := client.CoreV1().ServiceAccounts(drNamespace).CreateToken(ctx, "reader", &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{}}, metav1.CreateOptions{})
	must(t, err, "issue a token for reader")

	must(t, cp1.WriteFile(ctx, drKeyFile, []byte(drKey), 0o600), "write the key file")
	out, err := kubeadm(t, cp1, ctx, "etcd", "snapshot", "save", "--output-dir", drBackupDir, "--encryption-key-file", drKeyFile)
	must(t, err, "snapshot save: %s", out)
	path := strings.Fields(strings.TrimPrefix(out, "[etcd] backup "))[0]
	path = strings.TrimSuffix(path, ":")
	backup, err := cp1.ReadFile(ctx, path)
	must(t, err, "read the backup %s", path)
	_, err = client.CoreV1().ConfigMaps(drNamespace).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-backup"}}, metav1.CreateOptions{})
	must(t, err, "write after the backup")
	must(t, cp1.Stop(ctx), "stop cp1 for good")

	// The backup travels to a new machine.
	installKubeadm(t, cp2, "")
	must(t, cp2.WriteFile(ctx, "/root/backup.tar", backup, 0o600), "copy the backup to cp2")
	must(t, cp2.WriteFile(ctx, drKeyFile, []byte(drKey), 0o600), "copy the key to cp2")
	start := time.Now()
	out, err = kubeadm(t, cp2, ctx, "etcd", "restore", "--from", "/root/backup.tar", "--encryption-key-file", drKeyFile,
		"--node-name", "cp2", "--apiserver-advertise-address", cp2.Address, "--ignore-preflight-errors=SystemVerification")
	if err != nil {
		t.Fatalf("restore on a new node: %v\n%s", err, out)
	}
	restoreTook := time.Since(start)
	t.Logf("restore on a new node:\n%s", out)
	for _, want := range []string{"every write after that is lost", "removed the Node objects of the lost control planes cp1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the restore does not say %q", want)
		}
	}
	client = adminClient(t, cp2)
	for _, n := range []*sandbox.Node{cp2, w1} {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready after the rebuild", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	allReady := time.Since(start)
	if _, err := client.CoreV1().Nodes().Get(ctx, "cp1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Node cp1 after the rebuild: %v, want not found", err)
	}
	checkRestored(t, client, podBefore)
	if w1After, err := client.CoreV1().Nodes().Get(ctx, w1.Name, metav1.GetOptions{}); err != nil || w1After.UID != w1Before {
		t.Errorf("Node w1 was recreated (re-joined?): %v", err)
	}
	who, err := whoAmI(ctx, tokenClient(t, cp2, tok.Status.Token))
	if err != nil || who.Username != "system:serviceaccount:"+drNamespace+":reader" {
		t.Errorf("the token issued before the disaster: %v %v", who, err)
	}
	checkEtcdVoters(t, cp2, etcdEndpoints(cp2), 1)
	t.Logf("recovery times: restore (with init) on a new node %s, cp2 and w1 Ready %s after it began; %d ConfigMaps, the Deployment and a ServiceAccount token back, the write after the backup lost",
		restoreTook.Round(100*time.Millisecond), allReady.Round(100*time.Millisecond), drConfigMaps)
}
