// Package nodeenv holds what every command that changes a node shares: the
// machine it acts on (injectable for tests), the directories a run writes
// into (a temporary one in dry-run) and the user's patches.
package nodeenv

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletstart"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
)

// Machine is the node a command acts on; zero fields mean this machine.
type Machine struct {
	Host          preflight.Host
	InitSystem    kubeletstart.InitSystem
	Now           func() time.Time
	KubernetesDir string // /etc/kubernetes
	KubeletDir    string // /var/lib/kubelet
}

// Default fills the zero fields with this machine's.
func (m *Machine) Default() {
	if m.Host == nil {
		m.Host = preflight.LocalHost{}
	}
	if m.InitSystem == nil {
		m.InitSystem = kubeletstart.Systemd{}
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.KubernetesDir == "" {
		m.KubernetesDir = constants.KubernetesDir
	}
	if m.KubeletDir == "" {
		m.KubeletDir = constants.KubeletDir
	}
}

// Run is where one run of a command writes.
type Run struct {
	KubeDir, ManifestsDir, KubeletDir string
	DryRunDir                         string // "" unless dry-run
	Patches                           *patches.Set
}

// Prepare makes the dry-run directory (named after command) when asked
// for, and loads the patches, so that a bad patches directory is refused
// before anything is written.
func (m Machine) Prepare(command string, dryRun bool, p *kubeadm.Patches) (Run, error) {
	r := Run{KubeDir: m.KubernetesDir, KubeletDir: m.KubeletDir}
	if dryRun {
		dir, err := os.MkdirTemp("", "kubeadm-"+command+"-dryrun")
		if err != nil {
			return Run{}, fmt.Errorf("create dry-run directory: %w", err)
		}
		r.DryRunDir, r.KubeDir, r.KubeletDir = dir, dir, dir
	}
	r.ManifestsDir = filepath.Join(r.KubeDir, constants.ManifestsSubDir)
	dir := ""
	if p != nil {
		dir = p.Directory
	}
	set, err := patches.Load(dir)
	if err != nil {
		return Run{}, err
	}
	r.Patches = set
	return r, nil
}
