package initflow

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// The init state file lets a re-run tell its own interrupted init (which it
// continues) from a finished one (which it refuses).
const (
	stateFileName  = constants.InitStateFile // reset removes it
	stateRunning   = "in-progress"
	stateCompleted = "complete"
)

func (d *Data) stateFile() string {
	return filepath.Join(d.KubernetesDir, "tmp", stateFileName)
}

func (d *Data) state() string {
	b, err := atomicfile.Read(d.stateFile())
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (d *Data) resuming() bool { return !d.DryRun && d.state() == stateRunning }

func (d *Data) markInProgress() error {
	if d.state() == stateRunning {
		return nil
	}
	return atomicfile.Write(d.stateFile(), []byte(stateRunning+"\n"), 0o600)
}

func (d *Data) markCompleted() error {
	return atomicfile.Write(d.stateFile(), []byte(stateCompleted+"\n"), 0o600)
}

// refuseCompleted fails when this node already is a control plane that
// init finished, or holds a control plane that this tool did not start.
func (d *Data) refuseCompleted() error {
	if d.DryRun {
		return nil
	}
	if d.state() == stateCompleted {
		return fmt.Errorf("this node already is a complete control plane (init finished; see %s): run 'kubeadm reset' first to build a new one", d.stateFile())
	}
	return nil
}
