package kubeletstart

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// StartOptions are what Start needs of the command that runs it.
type StartOptions struct {
	ClusterConfig    *kubeletv1beta1.KubeletConfiguration
	NodeRegistration *kubeadm.NodeRegistrationOptions
	// RegisterTaints passes the taints as kubelet flags (worker joins).
	RegisterTaints bool
	Patches        *patches.Set
	Dir            string // /var/lib/kubelet, or the dry-run directory
	InitSystem     host.InitSystem
	DryRun         bool
	// Hostname is the machine's host name (nil: os.Hostname).
	Hostname func() (string, error)
}

// Start builds the node's kubelet files, applies the user's patches, writes
// them unless they are already in place, and (re)starts the kubelet through
// the init system, or says it must be started when there is none. ctx
// bounds what the init system is asked.
func Start(ctx context.Context, out progress.Phase, o StartOptions) error {
	if o.Hostname == nil {
		o.Hostname = os.Hostname
	}
	hostname, err := o.Hostname()
	if err != nil {
		return fmt.Errorf("read hostname: %w", err)
	}
	files, warnings, err := BuildFiles(o.ClusterConfig, o.NodeRegistration, hostname, o.RegisterTaints, ResolvedActive(ctx, o.InitSystem))
	if err != nil {
		return err
	}
	for _, w := range warnings {
		out.Warnf("%s", w)
	}
	applied, err := files.Patch(o.Patches)
	if err != nil {
		return err
	}
	for _, p := range applied {
		out.Infof("applied patch %s to the KubeletConfiguration", p)
	}
	if files.Unchanged(o.Dir) {
		out.Infof("the kubelet settings in %s are already in place", o.Dir)
	} else if err := files.Write(o.Dir); err != nil {
		return err
	} else {
		out.Infof("wrote %s, %s and %s in %s", constants.KubeletConfigFile, constants.KubeletInstanceFile, constants.KubeletFlagsEnvFile, o.Dir)
	}
	if o.DryRun {
		out.Infof("would restart the kubelet")
		return nil
	}
	if !o.InitSystem.Present(ctx) {
		out.Infof("no systemd on this host: the kubelet must be (re)started with the flags of %s; a supervisor watching these files does it", filepath.Join(o.Dir, constants.KubeletFlagsEnvFile))
		return nil
	}
	if err := o.InitSystem.RestartKubelet(ctx); err != nil {
		return err
	}
	out.Infof("restarted the kubelet")
	return nil
}
