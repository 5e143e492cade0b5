package manifests

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// RootlessControlPlane is the kubeadm feature gate (alpha, off by default,
// deprecated) that runs the control-plane components as dedicated non-root
// users. It is the only kubeadm feature gate of v1.37 that changes these
// manifests.
const RootlessControlPlane = "RootlessControlPlane"

// UserGroup is a host user ID and group ID.
type UserGroup struct {
	UID int64
	GID int64
}

// NonRootIDs are the host users and groups kubeadm creates for
// RootlessControlPlane: kubeadm-etcd, kubeadm-kas, kubeadm-kcm and
// kubeadm-ks, each with its own group, and the kubeadm-sa-key-readers
// group that may read the service account key. Creating them, and handing
// the component's key files and kubeconfigs over to them, is the caller's
// job; the manifests only run the containers as these IDs.
type NonRootIDs struct {
	Etcd                     UserGroup
	APIServer                UserGroup
	ControllerManager        UserGroup
	Scheduler                UserGroup
	ServiceAccountKeyReaders int64
}

var errNoNonRootIDs = errors.New("feature gate " + RootlessControlPlane + " is on but Options.NonRoot is not set")

// applyNonRoot makes pod run as its component's non-root user when the
// RootlessControlPlane gate is on: all capabilities dropped (the API
// server keeps NET_BIND_SERVICE, which its binary carries as a file
// capability), no privilege escalation except for the API server, and the
// service account key readers as a supplemental group of the API server
// and controller manager.
func (o Options) applyNonRoot(cfg *kubeadm.ClusterConfiguration, pod *corev1.Pod) error {
	if !cfg.FeatureGates[RootlessControlPlane] {
		return nil
	}
	component := pod.Spec.Containers[0].Name
	if o.NonRoot == nil {
		return fmt.Errorf("building %s manifest: %w", component, errNoNonRootIDs)
	}
	ids := o.NonRoot
	noEscalation := false
	sc := &corev1.SecurityContext{
		AllowPrivilegeEscalation: &noEscalation,
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	var ug UserGroup
	var supplemental []int64
	switch component {
	case constants.KubeAPIServer:
		ug, supplemental = ids.APIServer, []int64{ids.ServiceAccountKeyReaders}
		sc.AllowPrivilegeEscalation = nil
		sc.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
	case constants.KubeControllerManager:
		ug, supplemental = ids.ControllerManager, []int64{ids.ServiceAccountKeyReaders}
	case constants.KubeScheduler:
		ug = ids.Scheduler
	case constants.Etcd:
		ug = ids.Etcd
	default:
		return fmt.Errorf("running %q as non-root: not a control-plane component", component)
	}
	uid, gid := ug.UID, ug.GID
	pod.Spec.Containers[0].SecurityContext = sc
	pod.Spec.SecurityContext.RunAsUser = &uid
	pod.Spec.SecurityContext.RunAsGroup = &gid
	pod.Spec.SecurityContext.SupplementalGroups = supplemental
	return nil
}
