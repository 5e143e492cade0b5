package config

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// ClusterSource says where LoadCluster found the configuration.
type ClusterSource string

// The places a day-2 command's configuration comes from.
const (
	FromFile     ClusterSource = "file"
	FromCluster  ClusterSource = "cluster"
	FromDefaults ClusterSource = "defaults"
)

// Cluster is the ClusterConfiguration of a day-2 command that works on
// this node's files (certs renew, certs check-expiration).
type Cluster struct {
	Cluster *kubeadm.ClusterConfiguration
	Source  ClusterSource
	// FetchErr says why reading the configuration from the cluster
	// failed, when LoadCluster fell back to the defaults because of it.
	FetchErr error
	Warnings []string
}

// LoadCluster returns the ClusterConfiguration from the file at path when
// path is set; otherwise from fetch (normally the kube-system/kubeadm-config
// ConfigMap) when fetch is non-nil; otherwise, or when fetch fails, the
// defaults, as upstream does so that certificates can be handled while the
// control plane is down. Static defaults are applied. A file is validated
// in full; a configuration from the cluster only needs an absolute
// certificatesDir, so that a cluster at another Kubernetes version can
// still have its certificates renewed.
func LoadCluster(ctx context.Context, path string, fetch func(context.Context) (*kubeadm.ClusterConfiguration, error)) (*Cluster, error) {
	out := &Cluster{}
	switch {
	case path != "":
		cfg, err := LoadInitFile(path)
		if err != nil {
			return nil, err
		}
		kubeadm.SetClusterDefaults(cfg.Cluster)
		if err := invalid(kubeadm.ValidateCluster(cfg.Cluster)); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out.Cluster, out.Source, out.Warnings = cfg.Cluster, FromFile, cfg.Warnings
		return out, nil
	case fetch != nil:
		c, err := fetch(ctx)
		if err == nil {
			kubeadm.SetClusterDefaults(c)
			if !filepath.IsAbs(c.CertificatesDir) {
				return nil, fmt.Errorf("the cluster's ClusterConfiguration: certificatesDir %q must be an absolute path", c.CertificatesDir)
			}
			out.Cluster, out.Source = c, FromCluster
			return out, nil
		}
		out.FetchErr = err
	}
	out.Cluster, out.Source = &kubeadm.ClusterConfiguration{}, FromDefaults
	kubeadm.SetClusterDefaults(out.Cluster)
	return out, nil
}
