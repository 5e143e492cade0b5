package etcdrestore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdbackup"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// recordPrefix begins the name of the directory in <kubernetes dir>/tmp
// where a restore keeps what it took away.
const recordPrefix = "kubeadm-restore-"

// components are the static Pods a restore stops, in stop order.
var components = []string{constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler, constants.Etcd}

// runPreflight reports what check found.
func runPreflight(_ context.Context, out progress.Phase, d *Data) error {
	for _, n := range d.notes {
		if n.warn {
			out.Warnf("%s", n.msg)
		} else {
			out.Infof("%s", n.msg)
		}
	}
	return nil
}

// check reads and checks the backup, finds the local member in its
// manifest (or in the record of a restore that was cut short), refuses a
// backup of another cluster, and refuses to overwrite a healthy member of
// a cluster with quorum unless forced. It runs before any phase and
// changes nothing, so that a refusal is its one line.
func (d *Data) check(ctx context.Context) error {
	if d.From != "" {
		b, err := readBackup(d.From, d.Key)
		if err != nil {
			return err
		}
		d.backup = b
		d.note("backup %s: revision %d, %d keys, taken %s%s", d.From, b.Revision, b.TotalKeys, b.Created.Format(time.RFC3339), onNode(b.Metadata))
	}
	if err := d.findMember(); err != nil {
		return err
	}
	if err := d.sameCluster(); err != nil {
		return err
	}
	if d.From == "" {
		if _, err := os.Stat(filepath.Join(d.member.DataDir, "member")); err != nil {
			return fmt.Errorf("etcd restore without --from keeps the member's own data, but %s holds none (%v): pass --from <backup>", d.member.DataDir, err)
		}
	}
	return d.guardHealthy(ctx)
}

func (d *Data) note(format string, args ...any) {
	d.notes = append(d.notes, note{msg: fmt.Sprintf(format, args...)})
}

func onNode(m etcdbackup.Metadata) string {
	if m.Node == "" {
		return ""
	}
	return " on node " + m.Node
}

func readBackup(path string, key []byte) (*etcdbackup.Backup, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("--from %s: %w", path, err)
	}
	if etcdbackup.IsBackupFile(path) {
		return etcdbackup.Read(path, key)
	}
	// A bare snapshot, as the upgrade keeps it.
	return etcdbackup.ReadSnapshotFile(path)
}

// findMember reads the etcd manifest, from the manifests directory or,
// when an earlier restore stopped the control plane and was cut short,
// from that restore's record, which this run then continues.
func (d *Data) findMember() error {
	manifest := d.manifest(constants.Etcd)
	if _, err := os.Stat(manifest); err == nil {
		d.recordDir = filepath.Join(d.KubernetesDir, "tmp", recordPrefix+d.started.UTC().Format("20060102T150405Z"))
	} else {
		prev := d.unfinished()
		if prev == "" {
			return fmt.Errorf("this node runs no local etcd member (%s is missing): run etcd restore on a control-plane node with a stacked etcd member", manifest)
		}
		d.recordDir, manifest = prev, filepath.Join(prev, constants.Etcd+".yaml")
		d.note("continuing the restore that stopped the control plane into %s", prev)
	}
	m, err := etcdpod.Read(manifest)
	if err != nil {
		return err
	}
	d.member = m
	return nil
}

// unfinished returns the newest record directory holding an etcd manifest
// while the manifests directory has none.
func (d *Data) unfinished() string {
	dirs, _ := filepath.Glob(filepath.Join(d.KubernetesDir, "tmp", recordPrefix+"*"))
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], constants.Etcd+".yaml")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// sameCluster refuses a backup whose cluster CA is not this node's.
func (d *Data) sameCluster() error {
	if d.backup == nil || d.backup.ClusterCAHash == "" {
		return nil
	}
	ca := filepath.Join(d.pkiDir(), "ca.crt")
	b, err := os.ReadFile(ca)
	if err != nil {
		return nil // a node without its CA: the backup's is as good as any
	}
	mine, err := etcdbackup.CAHash(b)
	if err != nil {
		return fmt.Errorf("read %s: %w", ca, err)
	}
	if mine != d.backup.ClusterCAHash {
		return fmt.Errorf("the backup %s is of another cluster: its cluster CA is %s, this node's (%s) is %s", d.From, d.backup.ClusterCAHash, ca, mine)
	}
	return nil
}

// guardHealthy asks the local member for the cluster's members. A member
// that is healthy in a cluster with quorum is not restored over unless
// forced; the members it knows are those the restore drops.
func (d *Data) guardHealthy(ctx context.Context) error {
	if d.backup != nil {
		d.before = d.backup.Members
	}
	c, err := d.Etcd(d.member.ClientURLs, d.pkiDir())
	if err != nil {
		return err
	}
	defer c.Close()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	statuses, err := c.Statuses(sctx)
	if err != nil {
		d.note("the local etcd member %s does not answer (%v)", d.member.Name, firstLine(err))
		return nil
	}
	d.before = nil
	var self *etcd.MemberStatus
	voters, up := 0, 0
	for i, s := range statuses {
		d.before = append(d.before, etcdbackup.Member{Name: s.Name, ID: strconv.FormatUint(s.ID, 16), PeerURLs: s.PeerURLs, Learner: s.IsLearner})
		if !s.IsLearner {
			voters++
			if s.Healthy() {
				up++
			}
		}
		for _, u := range d.member.PeerURLs {
			if s.HasPeerURL(u) {
				self = &statuses[i]
			}
		}
	}
	d.note("the local etcd member %s answers: %d of %d voters healthy", d.member.Name, up, voters)
	if self == nil || !self.Healthy() || c.Healthy(sctx) != nil {
		return nil
	}
	if !d.Force {
		return fmt.Errorf("the local etcd member %s is healthy in a cluster with quorum (%d of %d voters healthy): a restore would replace the cluster's data; pass --force to restore anyway", d.member.Name, up, voters)
	}
	d.notes = append(d.notes, note{msg: fmt.Sprintf("restoring over the healthy member %s of a cluster with quorum (--force)", d.member.Name), warn: true})
	return nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
