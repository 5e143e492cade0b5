package upgradeflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/upgrade"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// PlanCluster computes `kubeadm upgrade plan` from the live cluster; target
// "" means this kubeadm's own version. Nothing is looked up on the network.
func PlanCluster(ctx context.Context, c clientset.Interface, target string, policy upgrade.PolicyOptions) (*upgrade.PlanOutput, *kubeadm.ClusterConfiguration, error) {
	cluster, err := uploadconfig.ReadClusterConfiguration(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	state, err := ReadClusterState(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	if len(state.APIServer) == 0 {
		return nil, nil, fmt.Errorf("no kube-apiserver mirror Pod found: is this a kubeadm cluster?")
	}
	in := state.PlanInput(cluster.Etcd.External == nil)
	in.Target, in.Policy = target, policy
	p, err := upgrade.Plan(in)
	return p, cluster, err
}

// DiffOptions are the inputs of DiffNode.
type DiffOptions struct {
	// Target is the version to render; "" means the cluster's configured
	// version, or this kubeadm's when the cluster's is not newer.
	Target       string
	ManifestsDir string
	// Manifests overrides the path of a component's current manifest.
	Manifests    map[string]string
	ContextLines int
	Patches      *patches.Set
}

// DiffNode renders each control-plane manifest of this node at the target
// version and returns the unified diffs against the files in place, in
// upgrade order; components already at the target give no diff.
func DiffNode(ctx context.Context, c clientset.Interface, o DiffOptions) (target string, diffs []string, err error) {
	cluster, err := uploadconfig.ReadClusterConfiguration(ctx, c)
	if err != nil {
		return "", nil, err
	}
	target = o.Target
	if target == "" {
		target = versions.Tool
	}
	if _, err := versions.For(target); err != nil {
		return "", nil, err
	}
	lcp, ok, err := ReadLocalControlPlane(o.ManifestsDir)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, fmt.Errorf("this node runs no control plane: %s has no kube-apiserver.yaml", o.ManifestsDir)
	}
	kubeadm.SetClusterDefaults(cluster)
	cluster.KubernetesVersion = target
	// The diff shows the users the node has, or would get: it reads the
	// users database only.
	var opts manifests.Options
	if users.Enabled(cluster) {
		if opts.NonRoot, err = users.Plan(users.System); err != nil {
			return "", nil, err
		}
	}
	for _, comp := range upgrade.Components(lcp.Etcd != nil) {
		path := o.Manifests[comp.Name]
		if path == "" {
			path = filepath.Join(o.ManifestsDir, comp.Name+".yaml")
		}
		cur, err := os.ReadFile(path)
		if err != nil {
			return "", nil, fmt.Errorf("read the current %s manifest: %w", comp.Name, err)
		}
		want, err := Render(cluster, lcp, comp.Name, opts, o.Patches)
		if err != nil {
			return "", nil, err
		}
		if d := upgrade.Diff(path, cur, want, o.ContextLines); d != "" {
			diffs = append(diffs, strings.TrimSuffix(d, "\n"))
		}
	}
	return target, diffs, nil
}
