package etcdrestore

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// dropped are the nodes of the members the restore left out: all but
// this node's.
func (d *Data) dropped() []string {
	var out []string
	for _, m := range d.before {
		if m.Name != "" && m.Name != d.member.Name {
			out = append(out, m.Name)
		}
	}
	sort.Strings(out)
	return out
}

// runCleanup deletes the Node objects of the dropped control planes whose
// kubelets are gone: a kubelet that renews its Lease after the API server
// came back is alive, and its Node stays (with a warning). The API
// server's own endpoints expire by themselves (their leases lapse).
func runCleanup(ctx context.Context, out progress.Phase, d *Data) error {
	gone := d.dropped()
	if len(gone) == 0 {
		out.Infof("no other etcd member was dropped: no Node to remove")
		return nil
	}
	client, _, err := d.client()
	if err != nil {
		return err
	}
	alive := map[string]bool{}
	deadline := d.apiBack.Add(d.LeaseWait)
	for {
		for _, n := range gone {
			if !alive[n] && d.renewed(ctx, client, n) {
				alive[n] = true
			}
		}
		if len(alive) == len(gone) || !d.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d.Interval):
		}
	}
	var removed []string
	for _, n := range gone {
		if alive[n] {
			out.Warnf("node %s's kubelet is alive but its etcd member is gone: run 'kubeadm reset' on it, then join it again", n)
			continue
		}
		err := client.CoreV1().Nodes().Delete(ctx, n, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete Node %s: %w", n, err)
		}
		removed = append(removed, n)
	}
	if len(removed) > 0 {
		out.Infof("removed the Node objects of the lost control planes %s (their kubelets renewed no Lease within %s)", strings.Join(removed, ", "), d.LeaseWait)
	}
	return nil
}

// client connects to this node's API server (admin.conf's credentials)
// and returns its address.
func (d *Data) client() (clientset.Interface, string, error) {
	addr, err := apiServerAddress(d.manifest(constants.KubeAPIServer))
	if err != nil {
		return nil, "", err
	}
	c, err := d.NewClient(filepath.Join(d.KubernetesDir, constants.AdminKubeConfig), "https://"+addr)
	return c, addr, err
}

// renewed reports whether node's kubelet renewed its Lease since the API
// server came back.
func (d *Data) renewed(ctx context.Context, client clientset.Interface, node string) bool {
	l, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, node, metav1.GetOptions{})
	if err != nil || l.Spec.RenewTime == nil {
		return false
	}
	return l.Spec.RenewTime.After(d.apiBack)
}

// summary says what the restore did, what was lost and what to run next.
func (d *Data) summary() {
	out := progress.Phase{R: d.Out}
	took := d.Now().Sub(d.started).Round(100 * time.Millisecond)
	if d.backup != nil {
		out.Infof("etcd restored from %s in %s: the cluster is as it was at revision %d (%s); every write after that is lost",
			d.From, took, d.backup.Revision, d.backup.Created.Format(time.RFC3339))
	} else {
		out.Infof("etcd member %s became a cluster of one from its own data in %s: no write it had was lost", d.member.Name, took)
	}
	if d.dataKept != "" {
		out.Infof("the data the member had before is kept in %s", d.dataKept)
	}
	if gone := d.dropped(); len(gone) > 0 {
		out.Infof("dropped etcd members: %s", strings.Join(gone, ", "))
	}
	out.Infof("next: to add control planes again, run here 'kubeadm init phase upload-certs --upload-certs' and 'kubeadm token create --print-join-command --certificate-key <the key it printed>', then that join command with --control-plane on each new node")
}
