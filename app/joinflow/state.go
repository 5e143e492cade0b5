package joinflow

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// The join state file lets a re-run of join tell its own interrupted join
// (which it continues) from a finished one (which it refuses). It holds
// the state and the node's name; reset removes it.
const (
	joinRunning   = "in-progress"
	joinCompleted = "complete"
)

func (d *Data) stateFile() string {
	return filepath.Join(d.KubernetesDir, "tmp", constants.JoinStateFile)
}

// state returns the recorded state and node name, or "" when none.
func (d *Data) state() (state, node string) {
	b, err := atomicfile.Read(d.stateFile())
	if err != nil {
		return "", ""
	}
	state, node, _ = strings.Cut(strings.TrimSpace(string(b)), " ")
	return state, node
}

// checkState runs before anything else in a full join: a finished join is
// refused, and an interrupted one continues only for the same node name.
func (d *Data) checkState() error {
	if d.DryRun {
		return nil
	}
	state, node := d.state()
	name := d.join().NodeRegistration.Name
	switch state {
	case joinCompleted:
		return fmt.Errorf("this node already joined the cluster as %s (see %s): run 'kubeadm reset' first to join it again", node, d.stateFile())
	case joinRunning:
		if node != name {
			return fmt.Errorf("a join of this node as %s stopped part-way (see %s): run the same join again with --node-name %s, or 'kubeadm reset' first", node, d.stateFile(), node)
		}
		d.resuming = true
	}
	return nil
}

// markWriting records, before a full join's first write, that a join of
// this node is in progress.
func (d *Data) markWriting() error {
	if !d.fullRun || d.DryRun || d.marked {
		return nil
	}
	d.marked = true
	if err := d.recordInventory(); err != nil {
		return err
	}
	return atomicfile.Write(d.stateFile(), []byte(joinRunning+" "+d.join().NodeRegistration.Name+"\n"), 0o600)
}

// markCompleted records a finished join.
func (d *Data) markCompleted() error {
	if !d.fullRun || d.DryRun {
		return nil
	}
	if err := atomicfile.Write(d.stateFile(), []byte(joinCompleted+" "+d.join().NodeRegistration.Name+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Remove(d.inventoryFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", d.inventoryFile(), err)
	}
	return nil
}
