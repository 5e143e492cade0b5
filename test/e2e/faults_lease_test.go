//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/phases/etcdjoin"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// TestFaultMatrixLeaseHolderStops joins two control planes at once onto a
// cluster of two (behind haproxy, v1.37.1) and stops the node whose join
// holds the kubeadm-etcd-join Lease while it holds it: the other join waits
// for the Lease to expire and then finishes, the cluster serves writes
// throughout (etcd keeps quorum), and the stopped node, started again,
// finishes its join when the same command runs again: 4 voters.
func TestFaultMatrixLeaseHolderStops(t *testing.T) {
	var opts []sandbox.NodeOptions
	for _, n := range []string{"cp1", "cp2", "cp3", "cp4"} {
		opts = append(opts, sandbox.NodeOptions{Name: n, Version: "v1.37.1"})
	}
	c := newCluster(t, opts...)
	r := haInit(t, c, []string{"cp1", "cp2", "cp3", "cp4"})
	args := joinArgs(c, r, true)
	installKubeadm(t, c.Nodes[1], "")
	if out, err := kubeadm(t, c.Nodes[1], context.Background(), args...); err != nil {
		t.Fatalf("join of cp2: %v\n%s", err, out)
	}
	client := adminClient(t, c.Nodes[0])
	joiners := map[string]*sandbox.Node{"cp3": c.Nodes[2], "cp4": c.Nodes[3]}
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs, outs, ended := map[string]error{}, map[string]string{}, map[string]time.Time{}
	for name, n := range joiners {
		installKubeadm(t, n, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := kubeadm(t, n, context.Background(), args...)
			mu.Lock()
			outs[name], errs[name], ended[name] = out, err, time.Now()
			mu.Unlock()
		}()
	}
	var holder string
	var stoppedAt time.Time
	err := poll(3*time.Minute, func(ctx context.Context) error {
		l, err := client.CoordinationV1().Leases("kube-system").Get(ctx, etcdjoin.LeaseName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if h := l.Spec.HolderIdentity; h != nil && joiners[*h] != nil {
			holder = *h
			return nil
		}
		return fmt.Errorf("no joining node holds the Lease")
	})
	if err != nil {
		wg.Wait()
		t.Fatalf("no join was seen holding the Lease: %v", err)
	}
	must(t, joiners[holder].Stop(context.Background()), "stop %s", holder)
	stoppedAt = time.Now()
	t.Logf("stopped %s while its join held the Lease", holder)
	wg.Wait()
	other := "cp3"
	if holder == "cp3" {
		other = "cp4"
	}
	m := &faultMatrix{}
	row := faultRow{scenario: "parallel control-plane joins", killPoint: "the Lease holder (" + holder + ") stopped mid-join"}
	if errs[other] != nil {
		t.Errorf("the join of %s did not finish after %s stopped: %v\n%s", other, holder, errs[other], outs[other])
		row.outcome = "FAILED: the other join did not finish"
	} else {
		row.outcome = fmt.Sprintf("the other join (%s) finished %s after the stop", other, ended[other].Sub(stoppedAt).Round(time.Second))
	}
	writes := func(ctx context.Context) error {
		_, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "lease-"}}, metav1.CreateOptions{})
		return err
	}
	if err := poll(time.Minute, writes); err != nil {
		t.Errorf("with %s stopped the cluster does not serve writes: %v", holder, err)
	}
	must(t, joiners[holder].Start(context.Background()), "start %s", holder)
	start := time.Now()
	out, err := kubeadm(t, joiners[holder], context.Background(), args...)
	switch {
	case err != nil:
		t.Errorf("the join of %s run again after its power came back: %v\n%s", holder, err, out)
		row.outcome += "; the stopped node's re-run FAILED"
	default:
		if herr := poll(3*time.Minute, func(ctx context.Context) error { return controlPlaneHealthy(ctx, client, holder) }); herr != nil {
			t.Errorf("after its re-run %s is not healthy: %v", holder, herr)
		}
		row.outcome += "; the stopped node's re-run converged"
		row.converge = time.Since(start)
	}
	m.add(row)
	checkEtcdVoters(t, c.Nodes[0], etcdEndpoints(c.Nodes...), 4)
	m.print(t)
}
