package initflow

import (
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	manifestaddons "github.com/kubeadm-cleanroom/kubeadm/manifests/addons"
)

// ipvsMarker identifies the kube-proxy addon's deprecation warning for mode
// ipvs among its warnings.
const ipvsMarker = `field "mode" is set to "ipvs"`

// isIPVSWarning reports whether w is the deprecation warning for mode ipvs.
func isIPVSWarning(w string) bool { return strings.Contains(w, ipvsMarker) }

// ConfigWarnings are the warnings of the kube-proxy configuration that
// upstream gives as soon as the configuration is loaded, before preflight:
// the deprecation of mode ipvs, in the kube-proxy addon's words. The
// command adds them to the configuration's warnings, and the kube-proxy
// phase leaves them out so that they are printed once. A document the
// addon cannot read gives nothing here: the phase reports it.
func ConfigWarnings(cfg *config.Init) []string {
	if cfg.KubeProxy == nil || cfg.KubeProxy.Mode != "ipvs" {
		return nil
	}
	_, warnings, err := manifestaddons.KubeProxyConfig(cfg.Cluster, cfg.Init.LocalAPIEndpoint.AdvertiseAddress, cfg.KubeProxyRaw)
	if err != nil {
		return nil
	}
	var out []string
	for _, w := range warnings {
		if isIPVSWarning(w) {
			out = append(out, w)
		}
	}
	return out
}
