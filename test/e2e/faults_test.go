//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// faultRow is one line of the fault matrix.
type faultRow struct {
	scenario, killPoint, outcome string
	converge                     time.Duration
}

// faultMatrix collects the rows of one scenario and prints them as a table.
type faultMatrix struct{ rows []faultRow }

func (m *faultMatrix) add(r faultRow) { m.rows = append(m.rows, r) }

func (m *faultMatrix) print(t *testing.T) {
	var b strings.Builder
	b.WriteString("| scenario | killed (SIGKILL) after | outcome | time to converge |\n|---|---|---|---|\n")
	for _, r := range m.rows {
		conv := "-"
		if r.converge > 0 {
			conv = r.converge.Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.scenario, r.killPoint, r.outcome, conv)
	}
	t.Logf("fault matrix:\n%s", b.String())
	if path := os.Getenv("FAULT_MATRIX_OUT"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprint(f, b.String())
			f.Close()
		}
	}
}

// phasesOf runs args with -o json on n and returns the phases that ran (the
// leaves, in order) and the output.
func phasesOf(t *testing.T, n *sandbox.Node, args []string) ([]string, string, error) {
	t.Helper()
	out, err := kubeadm(t, n, context.Background(), append(args, "-o", "json")...)
	var ran []string
	for _, line := range strings.Split(out, "\n") {
		var ev struct{ Event, Phase string }
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Event == "phase-end" {
			ran = append(ran, ev.Phase)
		}
	}
	return ran, out, err
}

// boundaries are the kill points of a run whose leaf phases were ran: the
// end of each top-level phase (its last leaf), except the last, or every
// leaf when FAULT_POINTS=all.
func boundaries(ran []string) []string {
	var points []string
	for i, p := range ran[:len(ran)-1] {
		top := strings.Split(p, "/")[0]
		if os.Getenv("FAULT_POINTS") == "all" || strings.Split(ran[i+1], "/")[0] != top {
			points = append(points, p)
		}
	}
	return points
}

// progressEvent is the part of a JSON progress line the kills look at.
type progressEvent struct{ Event, Phase, Message string }

// killWhen runs args on n with -o json and kills the tool with SIGKILL as
// soon as it prints an event that match accepts. It reports whether the
// kill happened.
func killWhen(t *testing.T, n *sandbox.Node, args []string, match func(progressEvent) bool) bool {
	t.Helper()
	return interruptWhen(t, n, args, match, func(cmd *exec.Cmd) { must(t, cmd.Process.Kill(), "kill kubeadm") })
}

// interruptWhen runs args on n with -o json and calls interrupt (a kill,
// a power cut) as soon as the tool prints an event that match accepts. It
// reports whether that happened before the tool ended.
func interruptWhen(t *testing.T, n *sandbox.Node, args []string, match func(progressEvent) bool, interrupt func(*exec.Cmd)) bool {
	t.Helper()
	cmd, err := n.Command(context.Background(), append(append([]string{"kubeadm"}, args...), "-o", "json")...)
	must(t, err, "command")
	stdout, err := cmd.StdoutPipe()
	must(t, err, "pipe")
	must(t, cmd.Start(), "start %v", args)
	hit := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var ev progressEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil && match(ev) {
			interrupt(cmd)
			hit = true
			break
		}
	}
	_ = cmd.Wait()
	return hit
}

// killAfter kills the tool as soon as phase has ended.
func killAfter(t *testing.T, n *sandbox.Node, args []string, phase string) bool {
	t.Helper()
	return killWhen(t, n, args, func(ev progressEvent) bool { return ev.Event == "phase-end" && ev.Phase == phase })
}

// poll checks until check passes or timeout ends, and returns its last error.
func poll(timeout time.Duration, check func(ctx context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := check(ctx)
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// controlPlaneHealthy: the node Ready and its four control-plane Pods Ready.
func controlPlaneHealthy(ctx context.Context, client clientset.Interface, node string) error {
	if err := nodeReady(ctx, client, node); err != nil {
		return err
	}
	for _, comp := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		p, err := client.CoreV1().Pods("kube-system").Get(ctx, comp+"-"+node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !podReady(p) {
			return fmt.Errorf("%s not Ready", p.Name)
		}
	}
	return nil
}

// rerun runs args again after a kill and classifies the outcome: converged
// (the command succeeds and healthy passes) or refused in one line, after
// which reset must leave a node that the next iteration can use.
func rerun(t *testing.T, m *faultMatrix, scenario, point string, n *sandbox.Node, args []string, healthy func(ctx context.Context) error) {
	t.Helper()
	start := time.Now()
	out, err := kubeadm(t, n, context.Background(), args...)
	row := faultRow{scenario: scenario, killPoint: point}
	switch {
	case err == nil:
		if herr := poll(3*time.Minute, healthy); herr != nil {
			row.outcome = "FAILED: the re-run succeeded but the node is not healthy: " + herr.Error()
			t.Errorf("%s, killed after %s: %s", scenario, point, row.outcome)
		} else {
			row.outcome, row.converge = "re-run converged", time.Since(start)
		}
	default:
		lines := strings.Split(strings.TrimSpace(out), "\n")
		last := lines[len(lines)-1]
		row.outcome = "refused: " + last
		t.Errorf("%s, killed after %s: the re-run did not converge: %s", scenario, point, last)
	}
	m.add(row)
}

// resetNode resets n, makes sure its kubelet is stopped (as reset asks on a
// host without systemd: the bench's supervisor may be restarting it just
// then) and deletes its Node object, as a user does before joining it again.
func resetNode(t *testing.T, n *sandbox.Node, client clientset.Interface) {
	t.Helper()
	if out, err := kubeadm(t, n, context.Background(), "reset", "--force"); err != nil {
		t.Fatalf("reset of %s: %v\n%s", n.Name, err, out)
	}
	gone := 0
	must(t, poll(time.Minute, func(context.Context) error {
		pids, err := n.Processes("kubelet")
		if err != nil || len(pids) > 0 {
			gone = 0
			return fmt.Errorf("kubelet processes %v: %v", pids, err)
		}
		if gone++; gone < 3 {
			return fmt.Errorf("kubelet gone for %d checks", gone)
		}
		return nil
	}), "the kubelet of %s stopped after reset", n.Name)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = client.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{})
}

// TestFaultMatrixInit kills `kubeadm init` with SIGKILL at the end of each
// of its phases, runs the same command again and requires it to converge
// to a healthy control plane; reset then readies the node for the next
// kill point.
func TestFaultMatrixInit(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"})
	n := c.Nodes[0]
	installKubeadm(t, n, initConfig("v1.37.1", ""))
	args := []string{"init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification"}
	ran, out, err := phasesOf(t, n, args)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	m := &faultMatrix{}
	healthy := func(ctx context.Context) error {
		client, err := freshAdminClient(ctx, n)
		if err != nil {
			return err
		}
		return controlPlaneHealthy(ctx, client, n.Name)
	}
	for _, point := range boundaries(ran) {
		if out, err := kubeadm(t, n, context.Background(), "reset", "--force"); err != nil {
			t.Fatalf("reset: %v\n%s", err, out)
		}
		if !killAfter(t, n, args, point) {
			t.Errorf("init ended before %s", point)
			continue
		}
		rerun(t, m, "init", point, n, args, healthy)
	}
	m.print(t)
}

// freshAdminClient reads the node's admin.conf anew (a re-run may have
// written it) and returns its client, or the error.
func freshAdminClient(ctx context.Context, n *sandbox.Node) (clientset.Interface, error) {
	b, err := n.ReadFile(ctx, "/etc/kubernetes/admin.conf")
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(b)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 10 * time.Second
	return clientset.NewForConfig(cfg)
}

// TestFaultMatrixJoin kills a control-plane join and a worker join with
// SIGKILL at the end of each of their phases, onto a cluster of two
// control planes (so that etcd keeps quorum only if the joining member
// never breaks it), runs the same join again and requires it to converge;
// the cluster must serve writes after every kill. Reset and deleting the
// Node then ready the node for the next kill point.
func TestFaultMatrixJoin(t *testing.T) {
	var opts []sandbox.NodeOptions
	for _, name := range []string{"cp1", "cp2", "cp3", "w1"} {
		opts = append(opts, sandbox.NodeOptions{Name: name, Version: "v1.37.1"})
	}
	c := newCluster(t, opts...)
	r := haInit(t, c, []string{"cp1", "cp2", "cp3"})
	cp1, cp2, cp3, w1 := c.Nodes[0], c.Nodes[1], c.Nodes[2], c.Nodes[3]
	joinNode(t, cp2, c, r, true)
	client := adminClient(t, cp1)
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1, cp2), 2)
	writes := func(ctx context.Context) error {
		_, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "fault-"}}, metav1.CreateOptions{})
		return err
	}
	m := &faultMatrix{}
	for _, tc := range []struct {
		scenario     string
		n            *sandbox.Node
		controlPlane bool
		healthy      func(ctx context.Context) error
	}{
		{"control-plane join", cp3, true, func(ctx context.Context) error {
			if err := controlPlaneHealthy(ctx, client, "cp3"); err != nil {
				return err
			}
			resp, err := etcdMembers(ctx, t, cp1, etcdEndpoints(cp1, cp2))
			if err != nil {
				return err
			}
			voters := 0
			for _, mem := range resp.Members {
				if !mem.IsLearner {
					voters++
				}
			}
			if voters != 3 || len(resp.Members) != 3 {
				return fmt.Errorf("etcd has %d members, %d voters", len(resp.Members), voters)
			}
			return writes(ctx)
		}},
		{"worker join", w1, false, func(ctx context.Context) error { return nodeReady(ctx, client, "w1") }},
	} {
		installKubeadm(t, tc.n, "")
		args := joinArgs(c, r, tc.controlPlane)
		ran, out, err := phasesOf(t, tc.n, args)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.scenario, err, out)
		}
		must(t, poll(3*time.Minute, tc.healthy), "%s healthy", tc.scenario)
		for _, point := range boundaries(ran) {
			resetNode(t, tc.n, client)
			if tc.controlPlane {
				checkEtcdVoters(t, cp1, etcdEndpoints(cp1, cp2), 2)
			}
			if !killAfter(t, tc.n, args, point) {
				t.Errorf("%s ended before %s", tc.scenario, point)
				continue
			}
			if err := poll(time.Minute, writes); err != nil {
				t.Errorf("%s killed after %s: the cluster does not serve writes: %v", tc.scenario, point, err)
			}
			rerun(t, m, tc.scenario, point, tc.n, args, tc.healthy)
		}
	}
	joinFailureRollsBack(t, m, c, r, cp1, cp3, client, writes)
	m.print(t)
}

// joinFailureRollsBack makes a control-plane join fail after its etcd
// member was promoted (a patch its kube-apiserver refuses, so the kubelet,
// which bootstraps through it, never gets its certificate): the join must
// remove its etcd member, say what to run, and the same join run again with
// the patch gone must continue and converge.
func joinFailureRollsBack(t *testing.T, m *faultMatrix, c *sandbox.Cluster, r initResult, cp1, cp3 *sandbox.Node, client clientset.Interface, writes func(ctx context.Context) error) {
	t.Helper()
	resetNode(t, cp3, client)
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1, c.Nodes[1]), 2)
	patches := "/etc/kubernetes/fault-patches"
	must(t, cp3.WriteFile(context.Background(), patches+"/kube-apiserver+json.yaml",
		[]byte("- op: add\n  path: /spec/containers/0/command/-\n  value: --no-such-flag=1\n"), 0o600), "write the patch")
	cfg := fmt.Sprintf(`apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: %s
    token: %s
    caCertHashes: [%s]
controlPlane:
  certificateKey: %s
nodeRegistration:
  ignorePreflightErrors: [SystemVerification]
patches:
  directory: %s
timeouts:
  controlPlaneComponentHealthCheck: 40s
  tlsBootstrap: 40s
`, c.LB.Endpoint(), e2eToken, r.CACertHash, e2eCertificateKey, patches)
	must(t, cp3.WriteFile(context.Background(), "/etc/kubernetes/fault-join.yaml", []byte(cfg), 0o600), "write the join configuration")
	args := []string{"join", "--config", "/etc/kubernetes/fault-join.yaml"}
	out, err := kubeadm(t, cp3, context.Background(), args...)
	// The kubelet of a joining control plane bootstraps through its own
	// API server, which refuses the flag: the join fails after etcd-join.
	row := faultRow{scenario: "control-plane join", killPoint: "not killed: failed after etcd-join (its kube-apiserver refuses a patched flag)"}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if err == nil || !strings.Contains(last, "removed its etcd member") || !strings.Contains(last, "run the same join again") {
		t.Errorf("the failed join did not undo itself as expected (err %v): %s", err, last)
	}
	for _, f := range []string{"/etc/kubernetes/admin.conf", "/etc/kubernetes/manifests/kube-apiserver.yaml", "/etc/kubernetes/manifests/etcd.yaml",
		"/etc/kubernetes/pki/apiserver.crt", "/var/lib/kubelet/config.yaml", "/etc/kubernetes/tmp/kubeadm-join.state"} {
		if _, rerr := cp3.ReadFile(context.Background(), f); rerr == nil {
			t.Errorf("%s, written by the failed join, is still there", f)
		}
	}
	for _, f := range []string{"/etc/kubernetes/fault-join.yaml", patches + "/kube-apiserver+json.yaml"} {
		if _, rerr := cp3.ReadFile(context.Background(), f); rerr != nil {
			t.Errorf("%s, there before the join, is gone: %v", f, rerr)
		}
	}
	resp, merr := etcdMembers(context.Background(), t, cp1, etcdEndpoints(cp1, c.Nodes[1]))
	if merr != nil || len(resp.Members) != 2 {
		t.Errorf("after the failed join etcd should have its 2 members again: %v %v", resp, merr)
	}
	if err := poll(time.Minute, writes); err != nil {
		t.Errorf("after the failed join the cluster does not serve writes: %v", err)
	}
	must(t, cp3.Exec(context.Background(), nil, nil, nil, "rm", "-f", patches+"/kube-apiserver+json.yaml"), "remove the patch")
	start := time.Now()
	out, err = kubeadm(t, cp3, context.Background(), args...)
	if err != nil {
		t.Errorf("the join run again did not converge: %v\n%s", err, out)
		row.outcome = "rolled back; the re-run FAILED"
	} else if herr := poll(3*time.Minute, func(ctx context.Context) error { return controlPlaneHealthy(ctx, client, "cp3") }); herr != nil {
		t.Errorf("after the re-run cp3 is not healthy: %v", herr)
		row.outcome = "rolled back; the re-run did not make cp3 healthy"
	} else {
		row.outcome, row.converge = "failed in one line, its etcd member, Node and files removed (2 voters again); the re-run with the patch removed converged", time.Since(start)
	}
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1, c.Nodes[1], cp3), 3)
	m.add(row)
}

// killOnMessage kills the tool once it has printed an info line
// containing message.
func killOnMessage(t *testing.T, n *sandbox.Node, args []string, message string) bool {
	t.Helper()
	return killWhen(t, n, args, func(ev progressEvent) bool { return ev.Event == "info" && strings.Contains(ev.Message, message) })
}
