package upgradeflow

import (
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs/renewal"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// renew renews the named certificates and kubeconfigs of this node,
// keeping their keys; with an external CA they are left alone, as upstream
// leaves them.
func (d *Data) renew(out progress.Phase, names []string) error {
	opts := renewal.OptionsFor(d.cluster, d.KubernetesDir)
	opts.PKIDir = d.certsDir()
	res, err := renewal.Renew(opts, names)
	for _, r := range res {
		switch r.Status {
		case renewal.StatusRenewed:
			out.Infof("renewed %s (expires %s)", r.Name, r.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
		case renewal.StatusExternalCA:
			out.Infof("%s not renewed: its CA key %s is not on this node (external CA)", r.Name, r.CAKeyPath)
		case renewal.StatusMissing:
			out.Warnf("%s not renewed: %s is missing", r.Name, r.Path)
		}
	}
	return err
}
