// Package images names the container images a node needs, from the
// cluster configuration and the tool's version table, as upstream kubeadm
// names them.
package images

import (
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

func repository(cfg *kubeadm.ClusterConfiguration) string {
	if cfg.ImageRepository != "" {
		return cfg.ImageRepository
	}
	return constants.DefaultImageRepository
}

// Component returns the image of a control-plane component or kube-proxy.
func Component(cfg *kubeadm.ClusterConfiguration, component string) string {
	return repository(cfg) + "/" + component + ":" + Tag(cfg.KubernetesVersion)
}

// Tag turns a version into an image tag: '+' is not allowed in tags.
func Tag(version string) string { return strings.ReplaceAll(version, "+", "_") }

// Etcd returns the local etcd image, honouring etcd.local image overrides.
func Etcd(cfg *kubeadm.ClusterConfiguration) (string, error) {
	c, err := versions.For(cfg.KubernetesVersion)
	if err != nil {
		return "", err
	}
	repo, tag := repository(cfg), c.EtcdImageTag
	if l := cfg.Etcd.Local; l != nil {
		if l.ImageRepository != "" {
			repo = l.ImageRepository
		}
		if l.ImageTag != "" {
			tag = l.ImageTag
		}
	}
	return repo + "/" + constants.Etcd + ":" + tag, nil
}

// CoreDNS returns the CoreDNS image. In the default repository it lives
// under coredns/coredns; elsewhere under coredns.
func CoreDNS(cfg *kubeadm.ClusterConfiguration) (string, error) {
	c, err := versions.For(cfg.KubernetesVersion)
	if err != nil {
		return "", err
	}
	repo, tag := repository(cfg), c.CoreDNS
	if cfg.DNS.ImageRepository != "" {
		repo = cfg.DNS.ImageRepository
	}
	if cfg.DNS.ImageTag != "" {
		tag = cfg.DNS.ImageTag
	}
	name := "coredns"
	if repo == constants.DefaultImageRepository {
		name = "coredns/coredns"
	}
	return repo + "/" + name + ":" + tag, nil
}

// Pause returns the pod sandbox image.
func Pause(cfg *kubeadm.ClusterConfiguration) (string, error) {
	c, err := versions.For(cfg.KubernetesVersion)
	if err != nil {
		return "", err
	}
	return repository(cfg) + "/" + constants.Pause + ":" + c.Pause, nil
}

// List returns every image a control-plane node of cfg needs, in upstream's
// order: control-plane components, kube-proxy (unless disabled), CoreDNS
// (unless disabled), pause, and etcd when it is local.
func List(cfg *kubeadm.ClusterConfiguration) ([]string, error) {
	var out []string
	for _, c := range []string{constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler} {
		out = append(out, Component(cfg, c))
	}
	if !cfg.Proxy.Disabled {
		out = append(out, Component(cfg, constants.KubeProxy))
	}
	if !cfg.DNS.Disabled {
		dns, err := CoreDNS(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, dns)
	}
	pause, err := Pause(cfg)
	if err != nil {
		return nil, err
	}
	out = append(out, pause)
	if cfg.Etcd.External == nil {
		etcd, err := Etcd(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, etcd)
	}
	return out, nil
}
