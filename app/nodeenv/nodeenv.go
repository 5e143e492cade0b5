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
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
)

// Machine is the node a command acts on; zero fields mean this machine.
type Machine struct {
	Host          host.Host
	InitSystem    host.InitSystem
	Now           func() time.Time
	KubernetesDir string // /etc/kubernetes
	KubeletDir    string // /var/lib/kubelet
	// Users is the users database RootlessControlPlane adds its users to,
	// and Owner hands files over to them.
	Users users.Files
	Owner users.FileOwner
}

// Default fills the zero fields with this machine's.
func (m *Machine) Default() {
	if m.Host == nil {
		m.Host = host.Local{}
	}
	if m.InitSystem == nil {
		m.InitSystem = host.Systemd{}
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
	if m.Users == (users.Files{}) {
		m.Users = users.System
	}
	if m.Owner == nil {
		m.Owner = users.OS{}
	}
}

// Run is where one run of a command writes.
type Run struct {
	KubeDir, ManifestsDir, KubeletDir string
	DryRunDir                         string // "" unless dry-run
	Patches                           *patches.Set
}

// DryRunEnv names, per command, the environment variable that sets the
// dry-run directory, as upstream's.
var DryRunEnv = map[string]string{"init": "KUBEADM_INIT_DRYRUN_DIR", "join": "KUBEADM_JOIN_DRYRUN_DIR", "upgrade": "KUBEADM_UPGRADE_DRYRUN_DIR"}

// DryRunDir returns where a dry run of command writes: the directory its
// environment variable names, else a new directory
// <kubernetesDir>/tmp/kubeadm-<command>-dryrun<random>, as upstream's.
func DryRunDir(command, kubernetesDir string) (string, error) {
	return DryRunDirNamed(DryRunEnv[command], "kubeadm-"+command+"-dryrun", kubernetesDir)
}

// DryRunDirNamed is DryRunDir for a directory named name (upgrade apply's
// is kubeadm-upgrade-apply-dryrun) set by the environment variable env.
func DryRunDirNamed(env, name, kubernetesDir string) (string, error) {
	if env != "" {
		if dir := os.Getenv(env); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return "", fmt.Errorf("create the dry-run directory %s (from %s): %w", dir, env, err)
			}
			return dir, nil
		}
	}
	parent := filepath.Join(kubernetesDir, "tmp")
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", fmt.Errorf("create %s for the dry-run directory: %w", parent, err)
	}
	dir, err := os.MkdirTemp(parent, name)
	if err != nil {
		return "", fmt.Errorf("create dry-run directory: %w", err)
	}
	return dir, nil
}

// Prepare makes the dry-run directory (named after command) when asked
// for, and loads the patches, so that a bad patches directory is refused
// before anything is written.
func (m Machine) Prepare(command string, dryRun bool, p *kubeadm.Patches) (Run, error) {
	r := Run{KubeDir: m.KubernetesDir, KubeletDir: m.KubeletDir}
	if dryRun {
		dir, err := DryRunDir(command, m.KubernetesDir)
		if err != nil {
			return Run{}, err
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
