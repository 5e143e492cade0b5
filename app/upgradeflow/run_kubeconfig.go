package upgradeflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// runKubeconfig is the hidden kubeconfig phase of upgrade apply and upgrade
// node, as upstream's: on a control plane whose kubelet.conf still points at
// the controlPlaneEndpoint, the kubelet is moved to its own API server
// (kubelet local mode, which this tool's init and join write from the start)
// and restarted.
func runKubeconfig(ctx context.Context, out progress.Phase, d *Data) error {
	if !d.isCP || d.cluster == nil {
		out.Infof("nothing to do: not a control-plane node")
		return nil
	}
	path := filepath.Join(d.KubernetesDir, constants.KubeletKubeConfig)
	cfg, err := clientcmd.LoadFromFile(path)
	if os.IsNotExist(err) {
		out.Infof("%s does not exist: nothing to change", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	kctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok || cfg.Clusters[kctx.Cluster] == nil {
		return fmt.Errorf("%s: no cluster for its current context %q", path, cfg.CurrentContext)
	}
	local, err := kc.LocalAPIEndpointURL(d.lcp.Endpoint)
	if err != nil {
		return err
	}
	shared, err := kc.ControlPlaneEndpointURL(d.cluster.ControlPlaneEndpoint, d.lcp.Endpoint) // a port-less endpoint gets the bind port
	if err != nil {
		return err
	}
	server := cfg.Clusters[kctx.Cluster].Server
	if server != shared || shared == local {
		out.Infof("%s already talks to %s: nothing to change", path, server)
		return nil
	}
	if d.Settings.DryRun {
		out.Infof("would point %s at %s instead of %s and restart the kubelet", path, local, server)
		return nil
	}
	cfg.Clusters[kctx.Cluster].Server = local
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := atomicfile.Write(path, b, 0o600); err != nil {
		return err
	}
	out.Infof("%s now talks to this node's API server %s", path, local)
	if d.InitSystem.Present(ctx) {
		if err := d.InitSystem.RestartKubelet(ctx); err != nil {
			out.Warnf("restart the kubelet yourself: %v", err)
		}
	}
	return nil
}
