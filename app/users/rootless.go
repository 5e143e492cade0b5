package users

import (
	"context"
	"fmt"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// Reporter is where Rootless says what it does.
type Reporter interface {
	Infof(format string, args ...any)
}

// Rootless prepares the control-plane components of a node to run as their
// own users when the cluster turns the RootlessControlPlane gate on. One
// value serves one command: the users are ensured once.
type Rootless struct {
	Files Files
	Owner FileOwner
	// DryRun plans the users without creating them and hands no file over.
	DryRun bool
	ids    *manifests.NonRootIDs
}

// Enabled reports whether cfg turns the gate on.
func Enabled(cfg *kubeadm.ClusterConfiguration) bool {
	return cfg != nil && cfg.FeatureGates[manifests.RootlessControlPlane]
}

// Options returns the manifest options for component. With the gate off
// they are empty. With it on, the users and groups are ensured (only
// planned in a dry run), component's files are handed to its user, and the
// options carry the IDs its manifest runs as.
func (r *Rootless) Options(ctx context.Context, out Reporter, cfg *kubeadm.ClusterConfiguration, component string, p Paths) (manifests.Options, error) {
	if !Enabled(cfg) {
		return manifests.Options{}, nil
	}
	if r.ids == nil {
		var err error
		if r.DryRun {
			r.ids, err = Plan(r.Files)
		} else {
			r.ids, err = Ensure(ctx, r.Files)
		}
		if err != nil {
			return manifests.Options{}, fmt.Errorf("users and groups for %s: %w", manifests.RootlessControlPlane, err)
		}
	}
	if r.DryRun {
		out.Infof("[dryrun] would run %s as its own user and group (%d:%d) and hand it its keys and kubeconfig", component, r.idsOf(component).UID, r.idsOf(component).GID)
		return manifests.Options{NonRoot: r.ids}, nil
	}
	if err := Handover(r.Owner, component, r.ids, p); err != nil {
		return manifests.Options{}, err
	}
	ug := r.idsOf(component)
	out.Infof("running %s as non-root: user and group %d:%d own its keys and kubeconfig", component, ug.UID, ug.GID)
	return manifests.Options{NonRoot: r.ids}, nil
}

// idsOf is component's user and group.
func (r *Rootless) idsOf(component string) manifests.UserGroup {
	switch component {
	case constants.Etcd:
		return r.ids.Etcd
	case constants.KubeAPIServer:
		return r.ids.APIServer
	case constants.KubeControllerManager:
		return r.ids.ControllerManager
	}
	return r.ids.Scheduler
}
