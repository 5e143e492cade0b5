//go:build e2e && benchmarks

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/report"
)

// benchInitThenJoin builds a two-node cluster the way kind and Cluster API
// do: `init` on cp1, then the worker's `join` as soon as init returns,
// without waiting for the cluster to settle. The figures are the join
// command and the time from init's start until both Nodes are Ready. Each
// run is on fresh nodes; the same tool inits and joins.
func benchInitThenJoin(t *testing.T, r *report.Report, runs int) {
	for i := 0; i < runs; i++ {
		for _, tool := range order(benchTools, i) {
			c := newBenchCluster(t, "benchkind", "w1")
			cp1, w1 := c.Nodes[0], c.Nodes[1]
			must(t, c.StartLB(context.Background(), 6443, []string{"cp1"}), "start the load balancer")
			installKubeadm(t, cp1, initConfig("v1.37.1", "controlPlaneEndpoint: "+c.LB.Endpoint()+"\n"))
			installKubeadm(t, w1, "")
			start := time.Now()
			ini := timedKubeadm(t, cp1, tool.binary, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification")
			join := timedKubeadm(t, w1, tool.binary, joinArgs(c, initResult{CACertHash: caCertHash(t, cp1)}, false)...)
			ready := waitReady(t, cp1, "cp1", "w1").Sub(start)
			t.Logf("init then join %d %-8s init %6.2fs  join %6.2fs  both Ready %6.2fs", i+1, tool.name, ini.wall.Seconds(), join.wall.Seconds(), ready.Seconds())
			r.Add("worker join right after init", "s", tool.name, join.wall.Seconds())
			r.Add("init, then join at once → 2 nodes Ready", "s", tool.name, ready.Seconds())
			must(t, c.Delete(context.Background()), "delete the cluster")
		}
	}
}
