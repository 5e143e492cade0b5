package upgradeflow

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/waitcontrolplane"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/upgrade"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

// ErrNotConfirmed is returned when the user answers no to apply's question.
var ErrNotConfirmed = errors.New("upgrade not confirmed: nothing was changed")

func runPreflight(ctx context.Context, out progress.Phase, d *Data) error {
	if d.Command == Apply && !d.isCP {
		return fmt.Errorf("upgrade apply runs on a control-plane node, and this node has no %s: run kubeadm upgrade node here instead",
			filepath.Join(d.run.ManifestsDir, "kube-apiserver.yaml"))
	}
	c, err := d.apiClient()
	if err != nil {
		return err
	}
	if d.isCP {
		d.waitLocalReady(ctx, out)
	}
	actx, cancel := d.withAPITimeout(ctx)
	defer cancel()
	cluster, err := uploadconfig.ReadClusterConfiguration(actx, c)
	if err != nil {
		return err
	}
	if d.Command == Node && !d.isCP {
		// A worker's credentials read only its own Node: the cluster's
		// health is the control planes' business.
		return d.preflightWorker(out, cluster)
	}
	state, err := d.settledState(ctx, out, c)
	if err != nil {
		return err
	}
	if d.current, err = state.ClusterVersion(); err != nil {
		return err
	}
	if err := d.chooseTarget(out, cluster, state); err != nil {
		return err
	}
	d.node, err = nodeName(d.KubernetesDir)
	if err != nil {
		return err
	}
	kubeadm.SetClusterDefaults(cluster)
	cluster.KubernetesVersion = d.target
	d.cluster = cluster
	if d.Settings.PrintConfig {
		b, err := kubeadm.Encode(cluster)
		if err != nil {
			return err
		}
		out.Infof("the cluster configuration this upgrade uses:\n%s", strings.TrimSpace(string(b)))
	}
	checks := d.healthChecks(state)
	if d.isCP {
		checks = append(checks, d.imagesCheck(out))
	}
	r := preflight.Run(ctx, checks, d.Settings.IgnorePreflightErrors)
	for _, w := range append(r.Warnings, r.Ignored...) {
		out.Warnf("%s", w)
	}
	if err := r.Err(); err != nil {
		return err
	}
	out.Infof("cluster at %s, this node (%s) goes to %s", d.current, d.node, d.target)
	if d.Command == Apply && !d.Yes && !d.Settings.DryRun {
		return d.confirm(out)
	}
	return nil
}

func (d *Data) preflightWorker(out progress.Phase, cluster *kubeadm.ClusterConfiguration) error {
	if err := d.chooseTarget(out, cluster, nil); err != nil {
		return err
	}
	var err error
	if d.node, err = nodeName(d.KubernetesDir); err != nil {
		return err
	}
	kubeadm.SetClusterDefaults(cluster)
	cluster.KubernetesVersion = d.target
	d.cluster = cluster
	out.Infof("worker node %s goes to %s", d.node, d.target)
	return nil
}

// settleTimeout bounds how long preflight waits for control-plane nodes
// and Pods that are not Ready (a kubelet that just restarted reports its
// static Pods unready until their startup probes pass again).
var settleTimeout = time.Minute

// settledState reads the cluster state, waiting up to settleTimeout for
// every control-plane node and Pod to be Ready; what is still not Ready
// then is for the health checks to report.
func (d *Data) settledState(ctx context.Context, out progress.Phase, c clientset.Interface) (*ClusterState, error) {
	deadline := time.Now().Add(settleTimeout)
	told := false
	for {
		actx, cancel := d.withAPITimeout(ctx)
		state, err := ReadClusterState(actx, c)
		cancel()
		if err != nil || len(state.NotReady)+len(state.Unready) == 0 || time.Now().After(deadline) {
			return state, err
		}
		if !told {
			out.Infof("waiting up to %s for %s to be Ready", settleTimeout, strings.Join(append(state.NotReady, state.Unready...), ", "))
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// chooseTarget sets the target version: apply's argument, checked against
// the version policy; for node, the version apply stored in the cluster.
func (d *Data) chooseTarget(out progress.Phase, cluster *kubeadm.ClusterConfiguration, state *ClusterState) error {
	if d.Command == Node {
		d.target = cluster.KubernetesVersion
		if _, err := versions.For(d.target); err != nil {
			return fmt.Errorf("the cluster's configuration asks for %s: %w", d.target, err)
		}
		return nil
	}
	if d.Target == "" {
		return fmt.Errorf("missing the version to upgrade to: kubeadm upgrade apply <version>, e.g. %s", versions.Tool)
	}
	if _, err := versions.Parse(d.Target); err != nil {
		return fmt.Errorf("invalid version %q: %w", d.Target, err)
	}
	var kubelets []string
	for _, v := range state.Kubelets {
		kubelets = append(kubelets, v)
	}
	warnings, err := upgrade.CheckVersion(d.current, d.Target, versions.Tool, upgrade.PolicyOptions{Force: d.Settings.Force,
		AllowExperimental: d.Settings.AllowExperimental, AllowRC: d.Settings.AllowRC, KubeletVersions: kubelets})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		out.Warnf("%s", w)
	}
	d.target = d.Target
	return nil
}

func (d *Data) healthChecks(state *ClusterState) []preflight.Check {
	localEtcd := d.lcp.Etcd != nil
	checks := []preflight.Check{
		{Name: "ControlPlaneNodesReady", Run: func(context.Context) ([]string, error) {
			if len(state.NotReady) > 0 {
				return nil, fmt.Errorf("control-plane nodes not Ready: %s", strings.Join(state.NotReady, ", "))
			}
			return nil, nil
		}},
		{Name: "StaticPods", Run: func(context.Context) ([]string, error) {
			if m := state.MissingStaticPods(localEtcd); len(m) > 0 {
				return nil, fmt.Errorf("control-plane Pods missing: %s", strings.Join(m, ", "))
			}
			if len(state.Unready) > 0 {
				return nil, fmt.Errorf("control-plane Pods not Ready: %s", strings.Join(state.Unready, ", "))
			}
			return nil, nil
		}},
	}
	if localEtcd && d.isCP {
		checks = append(checks, preflight.Check{Name: "EtcdHealth", Run: func(ctx context.Context) ([]string, error) {
			c, err := d.etcdClient(ctx)
			if err != nil {
				return nil, err
			}
			defer c.Close()
			hctx, cancel := context.WithTimeout(ctx, d.Timeouts.EtcdAPICall.Duration)
			defer cancel()
			// A quorum is enough; the voters that are not healthy are warnings.
			return c.Health(hctx)
		}})
	}
	return checks
}

// etcdClient connects to every member the local one knows of.
func (d *Data) etcdClient(ctx context.Context) (EtcdClient, error) {
	local, err := d.localEtcd()
	if err != nil {
		return nil, err
	}
	mctx, cancel := context.WithTimeout(ctx, d.Timeouts.EtcdAPICall.Duration)
	defer cancel()
	members, err := local.Members(mctx)
	local.Close()
	if err != nil {
		return nil, fmt.Errorf("list etcd members through %s: %w", d.lcp.Etcd.ClientURL(), err)
	}
	var eps []string
	for _, m := range members {
		eps = append(eps, m.ClientURLs...)
	}
	if len(eps) == 0 {
		eps = []string{d.lcp.Etcd.ClientURL()}
	}
	return d.Etcd(eps, d.certsDir(), 5*time.Second)
}

func (d *Data) confirm(out progress.Phase) error {
	if d.In == nil {
		return ErrNotConfirmed
	}
	out.Infof("Are you sure you want to proceed with the upgrade to %s? [y/N]:", d.target)
	line, _ := bufio.NewReader(d.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return ErrNotConfirmed
}

// waitLocalReady waits, within the API call timeout, until this node's API
// server says it is ready (/readyz). A kube-apiserver that is only starting
// (an upgrade killed right after writing its manifest, or one put back from
// the backup) does not answer at first, and then refuses even
// kubernetes-admin (403) until its authorizer has read the RBAC objects. A
// server that never gets ready is left for the read that follows to report.
func (d *Data) waitLocalReady(ctx context.Context, out progress.Phase) {
	ep := d.lcp.Endpoint
	check := waitcontrolplane.Check{Name: constants.KubeAPIServer, URL: "https://" + net.JoinHostPort(ep.AdvertiseAddress, strconv.Itoa(int(ep.BindPort))) + "/readyz"}
	get := d.HTTPGet
	if code, err := get(ctx, check.URL); err == nil && code == http.StatusOK {
		return
	}
	out.Infof("waiting for this node's API server to be ready (%s)", check.URL)
	if err := waitcontrolplane.WaitAll(ctx, get, []waitcontrolplane.Check{check}, d.apiTimeout(), time.Second, nil); err != nil {
		out.Warnf("%v", err)
	}
}
