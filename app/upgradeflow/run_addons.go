package upgradeflow

import (
	"context"
	"fmt"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/addons"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	manifestaddons "github.com/kubeadm-cleanroom/kubeadm/manifests/addons"
)

// addonsReady tells whether the addons may move: only once every control
// plane runs the target API server, as newer addons may need it.
func (d *Data) addonsReady(ctx context.Context, out progress.Phase) (bool, error) {
	if d.Settings.DryRun {
		return true, nil
	}
	if d.addonsMay != nil { // decided by the first addon sub-phase
		if !*d.addonsMay {
			out.Infof("skipped: not every control plane runs kube-apiserver %s yet", d.target)
		}
		return *d.addonsMay, nil
	}
	c, err := d.apiClient()
	if err != nil {
		return false, err
	}
	s, err := ReadClusterState(ctx, c)
	if err != nil {
		return false, err
	}
	may := len(s.APIServersNotAt(d.target)) == 0
	d.addonsMay = &may
	if behind := s.APIServersNotAt(d.target); len(behind) > 0 {
		out.Infof("skipped: the control planes %s do not run kube-apiserver %s yet; the addons are upgraded by the kubeadm upgrade node that finishes the last of them",
			strings.Join(behind, ", "), d.target)
		return false, nil
	}
	return true, nil
}

// whenAddonsMay runs body with a client once the addons may move.
func whenAddonsMay(body func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error) func(context.Context, progress.Phase, *Data) error {
	return func(ctx context.Context, out progress.Phase, d *Data) error {
		ctx, cancel := d.withAPITimeout(ctx)
		defer cancel()
		if ok, err := d.addonsReady(ctx, out); !ok || err != nil {
			return err
		}
		c, err := d.apiClient()
		if err != nil {
			return err
		}
		return body(ctx, out, d, c)
	}
}

var runCoreDNS = whenAddonsMay(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	replicas := int32(manifestaddons.DefaultCoreDNSReplicas)
	if dep, err := c.AppsV1().Deployments(constants.KubeSystemNamespace).Get(ctx, "coredns", metav1.GetOptions{}); err == nil && dep.Spec.Replicas != nil {
		replicas = *dep.Spec.Replicas
	}
	objs, err := manifestaddons.CoreDNS(d.cluster, replicas)
	if err != nil {
		return err
	}
	// The Corefile is the user's to edit: an existing one is kept; a
	// cluster that ran kube-dns keeps its stub domains and name servers.
	note, err := addons.MigrateKubeDNS(ctx, c, objs.ConfigMap, d.cluster.Networking.DNSDomain, true)
	if err != nil {
		return err
	}
	if note != "" {
		out.Infof("%s", note)
	}
	if err := addons.PatchCoreDNS(d.run.Patches, objs.Deployment, out.Infof); err != nil {
		return err
	}
	if d.Settings.DryRun {
		out.Infof("would apply the CoreDNS addon (%s, %d replicas)", objs.Deployment.Spec.Template.Spec.Containers[0].Image, replicas)
		return nil
	}
	if err := addons.Apply(ctx, c, objs.All()); err != nil {
		return err
	}
	out.Infof("applied the CoreDNS addon (%s)", objs.Deployment.Spec.Template.Spec.Containers[0].Image)
	return nil
})

var runKubeProxy = whenAddonsMay(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	cm, err := c.CoreV1().ConfigMaps(constants.KubeSystemNamespace).Get(ctx, "kube-proxy", metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read ConfigMap %s/kube-proxy: %w", constants.KubeSystemNamespace, err)
	}
	server, err := kubeconfigServer([]byte(cm.Data["kubeconfig.conf"]))
	if err != nil {
		return fmt.Errorf("read the API server address from ConfigMap %s/kube-proxy: %w", constants.KubeSystemNamespace, err)
	}
	user := []byte(cm.Data["config.conf"])
	userSupplied := !signed(cm)
	if !userSupplied {
		user = nil // kubeadm's own configuration: generated anew for the target
	}
	pc, warnings, err := manifestaddons.KubeProxyConfig(d.cluster, d.lcp.Endpoint.AdvertiseAddress, user)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		out.Warnf("%s", w)
	}
	doc, err := manifestaddons.MarshalKubeProxyConfig(pc)
	if err != nil {
		return err
	}
	objs, err := manifestaddons.KubeProxy(d.cluster, doc, server)
	if err != nil {
		return err
	}
	if err := addons.PatchKubeProxy(d.run.Patches, objs.DaemonSet, out.Infof); err != nil {
		return err
	}
	image := objs.DaemonSet.Spec.Template.Spec.Containers[0].Image
	if d.Settings.DryRun {
		out.Infof("would apply the kube-proxy addon (%s)", image)
		return nil
	}
	objs.PrepareForApply(os.Environ(), userSupplied)
	if err := addons.Apply(ctx, c, objs.All()); err != nil {
		return err
	}
	out.Infof("applied the kube-proxy addon (%s)", image)
	return nil
})

func kubeconfigServer(b []byte) (string, error) {
	cfg, err := clientcmd.Load(b)
	if err != nil {
		return "", err
	}
	for _, cl := range cfg.Clusters {
		if cl.Server != "" {
			return cl.Server, nil
		}
	}
	return "", fmt.Errorf("no cluster server in kubeconfig.conf")
}

func runPostUpgrade(_ context.Context, out progress.Phase, d *Data) error {
	if d.Settings.DryRun {
		out.Infof("dry run: nothing was changed")
		return nil
	}
	if d.Command == Apply {
		out.Infof("SUCCESS! The control plane of this node runs %s. Next: kubeadm upgrade node on the other nodes, then upgrade each node's kubelet package and restart it (systemctl restart kubelet)", d.target)
		return nil
	}
	out.Infof("this node's configuration is at %s. Now upgrade its kubelet package and restart it (systemctl restart kubelet)", d.target)
	return nil
}
