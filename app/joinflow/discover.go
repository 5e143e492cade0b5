package joinflow

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// ensureDiscovered discovers the cluster unless an earlier phase did. Every
// phase that needs the cluster calls it, so a join whose preflight is
// skipped (kind skips it) or a phase run alone discovers it when first
// needed, as upstream's lazy discovery does.
func (d *Data) ensureDiscovered(ctx context.Context) error {
	if d.tlsBootstrap != nil && d.cluster != nil && d.kubeletCfg != nil {
		return nil
	}
	return d.discover(ctx)
}

// needsCluster wraps a phase that uses the discovered cluster.
func needsCluster(run func(context.Context, progress.Phase, *Data) error) func(context.Context, progress.Phase, *Data) error {
	return func(ctx context.Context, out progress.Phase, d *Data) error {
		if err := d.ensureDiscovered(ctx); err != nil {
			return err
		}
		if err := d.markWriting(); err != nil {
			return err
		}
		return run(ctx, out, d)
	}
}

// discover finds and verifies the cluster, builds the kubelet's TLS
// bootstrap kubeconfig, and reads the cluster's and the kubelet's
// configuration with the bootstrap token.
func (d *Data) discover(ctx context.Context) error {
	if d.discoverFn != nil {
		return d.discoverFn(ctx, d)
	}
	j := d.join()
	timeout := j.Timeouts.Discovery.Duration
	found, err := d.Discover(ctx, j.Discovery, timeout)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	_, cluster, err := kubeconfig.CurrentCluster(found)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[constants.DefaultClusterName] = cluster.DeepCopy()
	user := &clientcmdapi.AuthInfo{Token: j.Discovery.TLSBootstrapToken}
	if j.Discovery.TLSBootstrapToken == "" { // file discovery may carry credentials
		if _, a, err := kubeconfig.CurrentAuthInfo(found); err == nil {
			user = a.DeepCopy()
		}
	}
	cfg.AuthInfos[constants.TLSBootstrapUser] = user
	ctxName := constants.TLSBootstrapUser + "@" + constants.DefaultClusterName
	cfg.Contexts[ctxName] = &clientcmdapi.Context{Cluster: constants.DefaultClusterName, AuthInfo: constants.TLSBootstrapUser}
	cfg.CurrentContext = ctxName
	d.tlsBootstrap = cfg

	rest, err := clientcmd.NewDefaultClientConfig(*cfg, nil).ClientConfig()
	if err != nil {
		return fmt.Errorf("bootstrap client: %w", err)
	}
	if d.bootstrap, err = d.clientFor(rest, "the bootstrap token"); err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx, d.apiTimeout())
	defer cancel()
	if d.cluster, err = uploadconfig.FetchClusterConfiguration(ctx, d.bootstrap, apiclient.RetryInterval); err != nil {
		if apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err) {
			return fmt.Errorf("the bootstrap token was refused by the API server (wrong or expired: create one with 'kubeadm token create'): %w", err)
		}
		return err
	}
	cm, err := d.bootstrap.CoreV1().ConfigMaps(constants.KubeSystemNamespace).Get(ctx, constants.KubeletConfigConfigMap, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read ConfigMap kube-system/%s: %w", constants.KubeletConfigConfigMap, err)
	}
	d.kubeletCfg = &kubeletv1beta1.KubeletConfiguration{}
	if err := yaml.Unmarshal([]byte(cm.Data[constants.KubeletConfigConfigMapKey]), d.kubeletCfg); err != nil {
		return fmt.Errorf("decode the kubelet configuration of ConfigMap kube-system/%s: %w", constants.KubeletConfigConfigMap, err)
	}
	return nil
}

// nameTaken refuses a node name that a Ready node of the cluster has.
func (d *Data) nameTaken(ctx context.Context) error {
	name := d.join().NodeRegistration.Name
	node, err := d.bootstrap.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up Node %s: %w", name, err)
	}
	for _, c := range node.Status.Conditions {
		if c.Type == "Ready" && c.Status == "True" {
			return fmt.Errorf("a Node named %q already exists and is Ready: delete it ('kubectl delete node %s') or join with another --node-name", name, name)
		}
	}
	return nil
}
