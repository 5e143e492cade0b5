package joinflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// rollbackTimeout bounds the undoing of a failed join.
const rollbackTimeout = time.Minute

// rollBack undoes, after a join failed part-way, what it did: this node's
// etcd member (a voter that never serves would put quorum at risk), with
// its static Pod and data, its Node object, and then the files it wrote
// (the files the node had before stay). The same join can then be run
// again from the start; cause comes back with what was undone and what to
// run. A join killed part-way has no chance to undo: run again, it
// continues.
func (d *Data) rollBack(ctx context.Context, cause error) error {
	if d.DryRun || !(d.marked || d.resuming) || d.cluster == nil {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	var undone, failed []string
	if d.controlPlane() && d.cluster.Etcd.External == nil {
		switch removed, err := d.removeOwnEtcdMember(ctx); {
		case err != nil:
			failed = append(failed, err.Error())
		case removed:
			undone = append(undone, "its etcd member")
		}
	}
	switch removed, err := d.deleteOwnNode(ctx); {
	case err != nil:
		failed = append(failed, err.Error())
	case removed:
		undone = append(undone, "its Node object")
	}
	if len(failed) > 0 {
		// The files hold the credentials that another attempt needs.
		return fmt.Errorf("%w; undoing it failed (%s): run the same join again to continue, or 'kubeadm reset' to clean this node", cause, strings.Join(failed, "; "))
	}
	n, listed, err := d.removeOwnFiles(ctx)
	if !listed && err == nil {
		return fmt.Errorf("%w%s: run the same join again to continue, or 'kubeadm reset' to clean this node", cause, removedPart(undone))
	}
	if n > 0 {
		undone = append(undone, fmt.Sprintf("the %d files it wrote", n))
	}
	if err != nil {
		return fmt.Errorf("%w%s, but not all its files (%v): run 'kubeadm reset' to clean this node", cause, removedPart(undone), err)
	}
	return fmt.Errorf("%w%s: fix the cause and run the same join again", cause, removedPart(undone))
}

// removedPart says what a rollback removed, "" when nothing.
func removedPart(undone []string) string {
	if len(undone) == 0 {
		return ""
	}
	return "; removed " + joinList(undone)
}

// joinList joins items as "a, b and c".
func joinList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// removeOwnEtcdMember removes the member with this node's peer URL, if the
// cluster has one, then its static Pod and its data (discardLocalEtcd).
func (d *Data) removeOwnEtcdMember(ctx context.Context) (bool, error) {
	if _, err := os.Stat(filepath.Join(d.certsDirOut(), "apiserver-etcd-client.key")); err != nil {
		return false, nil // the join stopped before it could talk to etcd
	}
	node := manifests.EtcdNode{Name: d.join().NodeRegistration.Name, AdvertiseAddress: d.localEndpoint().AdvertiseAddress}
	c, err := d.etcdClient(ctx)
	if err != nil {
		return false, fmt.Errorf("connect to etcd to remove member %s: %w", node.Name, err)
	}
	defer c.Close()
	members, err := c.Members(ctx)
	if err != nil {
		return false, fmt.Errorf("list the etcd members: %w", err)
	}
	for _, m := range members {
		if len(m.PeerURLs) == 0 || m.PeerURLs[0] != node.PeerURL() {
			continue
		}
		// Its own member cannot be needed for quorum: the cluster had a
		// quorum without it before this join.
		if err := c.Remove(ctx, m.ID, true); err != nil {
			return false, fmt.Errorf("remove etcd member %s: %w", m, err)
		}
		return true, d.discardLocalEtcd(ctx)
	}
	return false, nil
}

// emptyDir removes what dir holds, keeping dir.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("empty %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("empty %s: %w", dir, err)
		}
	}
	return nil
}

// deleteOwnNode deletes this node's Node object when its kubelet
// registered one: with admin.conf on a control plane, else with the
// kubelet's own credentials (a node may delete its own Node).
func (d *Data) deleteOwnNode(ctx context.Context) (bool, error) {
	name := d.join().NodeRegistration.Name
	kubeconfig := filepath.Join(d.kubeDir, constants.KubeletKubeConfig)
	if d.controlPlane() {
		if _, err := os.Stat(filepath.Join(d.kubeDir, constants.AdminKubeConfig)); err == nil {
			kubeconfig = filepath.Join(d.kubeDir, constants.AdminKubeConfig)
		}
	}
	if _, err := os.Stat(kubeconfig); err != nil {
		return false, nil // no credential: the kubelet never registered
	}
	c, err := d.clientFromFile(kubeconfig)
	if err != nil {
		return false, fmt.Errorf("delete Node %s: %w", name, err)
	}
	err = c.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("delete Node %s: %w", name, err)
	}
	return true, nil
}
