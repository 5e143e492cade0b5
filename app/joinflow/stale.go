package joinflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// memberRemover is what clearing a stale member needs of etcd.
type memberRemover interface {
	Members(ctx context.Context) ([]etcd.Member, error)
	Remove(ctx context.Context, id uint64, force bool) error
}

// clearStaleMember readies the etcd join of this node after a join that
// stopped part-way. When the Lease was taken from a holder whose Lease had
// expired, that join's learner (named after it, or never started) is
// removed: etcd admits one learner at a time, and a learner never counts
// for quorum. And when this node is no member but its data directory holds
// data (its own earlier attempt, whose learner another join removed), its
// etcd is stopped and the directory emptied: a member added anew starts
// from an empty directory.
func (d *Data) clearStaleMember(ctx context.Context, out progress.Phase, c memberRemover, takenFrom, peerURL string) error {
	members, err := c.Members(ctx)
	if err != nil {
		return fmt.Errorf("list the etcd members: %w", err)
	}
	self := slices.ContainsFunc(members, func(m etcd.Member) bool { return slices.Contains(m.PeerURLs, peerURL) })
	for _, m := range members {
		if takenFrom == "" || !m.IsLearner || slices.Contains(m.PeerURLs, peerURL) || (m.Name != "" && m.Name != takenFrom) {
			continue
		}
		if err := c.Remove(ctx, m.ID, false); err != nil {
			return fmt.Errorf("remove etcd learner %s left by the join of %s: %w", m.PeerURLs, takenFrom, err)
		}
		out.Infof("removed etcd learner %v: the join of %s stopped while it held the Lease", m.PeerURLs, takenFrom)
	}
	dir := d.cluster.Etcd.Local.DataDir
	entries, err := os.ReadDir(dir)
	if self || errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the etcd data directory %s: %w", dir, err)
	}
	if err := d.discardLocalEtcd(ctx); err != nil {
		return err
	}
	out.Infof("emptied %s: it held the data of an earlier attempt whose etcd member is no longer in the cluster", dir)
	return nil
}

// discardLocalEtcd ends this node's etcd, whose member is no longer in the
// cluster: its manifest is taken away, its Pod stopped through the
// container runtime (the kubelet may not run), and its data directory
// emptied, so that a member added anew starts from an empty directory.
func (d *Data) discardLocalEtcd(ctx context.Context) error {
	if err := os.Remove(filepath.Join(d.manifestsDir, constants.Etcd+".yaml")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the etcd manifest: %w", err)
	}
	if err := d.stopStaticPods(ctx, []string{constants.Etcd}); err != nil {
		return err
	}
	return emptyDir(d.cluster.Etcd.Local.DataDir)
}
