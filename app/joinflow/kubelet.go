package joinflow

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletstart"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/waitcontrolplane"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// runKubeletStart writes bootstrap-kubelet.conf (a control plane's kubelet
// talks to its own API server, as upstream's does), the CA, and the kubelet
// files built from the cluster's kubelet-config, then (re)starts the kubelet.
func runKubeletStart(ctx context.Context, out progress.Phase, d *Data) error {
	j := d.join()
	boot := d.tlsBootstrap.DeepCopy()
	cluster := boot.Clusters[constants.DefaultClusterName]
	if d.controlPlane() {
		ep := d.localEndpoint()
		cluster.Server = "https://" + net.JoinHostPort(ep.AdvertiseAddress, strconv.Itoa(int(ep.BindPort)))
	}
	b, err := clientcmd.Write(*boot)
	if err != nil {
		return fmt.Errorf("encode %s: %w", constants.KubeletBootstrapKubeConfig, err)
	}
	if err := atomicfile.Write(filepath.Join(d.kubeDir, constants.KubeletBootstrapKubeConfig), b, 0o600); err != nil {
		return err
	}
	caPath := j.CACertPath
	if d.DryRun {
		caPath = filepath.Join(d.DryRunDir, "pki", "ca.crt")
	}
	if _, err := os.Stat(caPath); err != nil {
		if err := atomicfile.Write(caPath, cluster.CertificateAuthorityData, 0o644); err != nil {
			return err
		}
	}
	out.Infof("wrote %s", filepath.Join(d.kubeDir, constants.KubeletBootstrapKubeConfig))
	return kubeletstart.Start(ctx, out, kubeletstart.StartOptions{
		ClusterConfig: d.kubeletCfg, NodeRegistration: &j.NodeRegistration, RegisterTaints: !d.controlPlane(),
		Patches: d.patches, Dir: d.kubeletDir, InitSystem: d.InitSystem, DryRun: d.DryRun,
	})
}

// runKubeletWaitBootstrap waits until the kubelet is healthy and has
// finished its TLS bootstrap (kubelet.conf works), then removes
// bootstrap-kubelet.conf.
func runKubeletWaitBootstrap(ctx context.Context, out progress.Phase, d *Data) error {
	if d.DryRun {
		out.Infof("would wait for the kubelet's TLS bootstrap")
		return nil
	}
	t := d.join().Timeouts
	if err := waitcontrolplane.WaitAll(ctx, d.HTTPGet, []waitcontrolplane.Check{waitcontrolplane.KubeletCheck()},
		t.KubeletHealthCheck.Duration, waitcontrolplane.PollInterval, nil); err != nil {
		return fmt.Errorf("the kubelet is not running or not healthy (check its log): %w", err)
	}
	kubeconfig := filepath.Join(d.kubeDir, constants.KubeletKubeConfig)
	start := d.Now()
	var last error
	err := wait.PollUntilContextTimeout(ctx, waitcontrolplane.PollInterval, t.TLSBootstrap.Duration, true, func(ctx context.Context) (bool, error) {
		c, err := d.clientFromFile(kubeconfig)
		if err == nil {
			_, err = c.CoreV1().Nodes().Get(ctx, d.join().NodeRegistration.Name, metav1.GetOptions{})
		}
		last = err
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("the kubelet did not finish its TLS bootstrap within %s (check the kubelet log; the token may have expired): %v", t.TLSBootstrap.Duration, last)
	}
	out.Infof("the kubelet finished its TLS bootstrap and registered the node after %s", d.Now().Sub(start).Round(10*time.Millisecond))
	return os.Remove(filepath.Join(d.kubeDir, constants.KubeletBootstrapKubeConfig))
}
