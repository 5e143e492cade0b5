package reset

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// skipRemoveEtcdMember skips the phase on nodes without a local etcd.
func skipRemoveEtcdMember(d *Data) string {
	if _, err := os.Stat(d.etcdManifest()); errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("no local etcd member on this node (%s is absent); an external etcd is cleaned up by hand", d.etcdManifest())
	}
	return ""
}

// runRemoveEtcdMember removes this node's member from the etcd cluster.
// The member is the one whose peer URL is in the manifest's
// --initial-advertise-peer-urls (etcd keeps peer URLs unique) and whose
// name, once started, is the manifest's --name. A member already gone is
// fine; the last member is left alone (its cluster goes with the node's
// data); a removal that would cost the quorum is refused unless forced.
// The member's data is deleted by cleanup-node.
func runRemoveEtcdMember(ctx context.Context, out progress.Phase, d *Data) error {
	local, err := etcdpod.Read(d.etcdManifest())
	if err != nil {
		return fmt.Errorf("%w; skip this phase with --skip-phases=remove-etcd-member to reset anyway", err)
	}
	if d.cfg.DryRun {
		out.Infof("would remove the etcd member %s of this node from the etcd cluster", local.String())
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeouts.EtcdAPICall.Duration)
	defer cancel()
	c, members, err := d.connectEtcd(ctx, out, local)
	if err != nil {
		if d.cfg.Force {
			out.Warnf("%v; the member %s was NOT removed: once the cluster is reachable remove it with 'etcdctl member remove'", err, local.String())
			return nil
		}
		return fmt.Errorf("%w; pass --force to reset anyway and remove the member %s later with 'etcdctl member remove'", err, local.String())
	}
	defer c.Close()
	self, found, err := findSelf(members, local)
	if err != nil {
		return err
	}
	switch {
	case !found:
		out.Infof("the etcd member %s is not in the cluster any more: nothing to remove", local.String())
		return nil
	case len(members) == 1:
		out.Infof("the etcd member %s is the only member of its cluster: not removing it, the cluster's data goes with this node's", self)
		return nil
	}
	if err := c.Remove(ctx, self.ID, d.cfg.Force); err != nil {
		if errors.Is(err, etcd.ErrQuorumAtRisk) {
			return fmt.Errorf("refusing to remove the etcd member %s: %w; pass --force to remove it anyway", self, err)
		}
		return fmt.Errorf("remove the etcd member %s: %w", self, err)
	}
	out.Infof("removed the etcd member %s from the etcd cluster; %d member(s) remain", self, len(members)-1)
	return nil
}

// connectEtcd lists the members through the local member's client URLs
// (or, when it does not answer, the endpoints the API server knows), then
// connects to every member, the local ones first.
func (d *Data) connectEtcd(ctx context.Context, out progress.Phase, local etcdpod.Member) (EtcdClient, []etcd.Member, error) {
	pki := local.PKIDir
	if pki == "" {
		pki = d.cfg.CertificatesDir
	}
	first := local.ClientURLs
	members, err := d.listMembers(ctx, first, pki)
	if err != nil && d.EtcdEndpoints != nil {
		eps, aerr := d.EtcdEndpoints(ctx)
		if aerr != nil {
			return nil, nil, fmt.Errorf("%w; and finding the other members through the API server failed: %w", err, aerr)
		}
		out.Warnf("%v; trying the etcd endpoints the API server knows: %s", err, strings.Join(eps, ","))
		first = eps
		members, err = d.listMembers(ctx, first, pki)
	}
	if err != nil {
		return nil, nil, err
	}
	eps := append([]string{}, first...)
	for _, m := range members {
		for _, u := range m.ClientURLs {
			if !etcdpod.ContainsURL(eps, u) {
				eps = append(eps, u)
			}
		}
	}
	c, err := d.Etcd(ctx, eps, pki)
	if err != nil {
		return nil, nil, err
	}
	return c, members, nil
}

func (d *Data) listMembers(ctx context.Context, eps []string, pki string) ([]etcd.Member, error) {
	c, err := d.Etcd(ctx, eps, pki)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	members, err := c.Members(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the etcd members through %s: %w", strings.Join(eps, ","), err)
	}
	return members, nil
}

// findSelf returns the member with one of local's peer URLs. A started
// member of another name is an error: the manifest and the cluster
// disagree, and guessing could remove another node's member.
func findSelf(members []etcd.Member, local etcdpod.Member) (etcd.Member, bool, error) {
	for _, m := range members {
		for _, u := range local.PeerURLs {
			if !m.HasPeerURL(u) {
				continue
			}
			if m.Name != "" && m.Name != local.Name {
				return etcd.Member{}, false, fmt.Errorf("the etcd member with this node's peer URL %s is %s, not %s as the etcd manifest says: remove the right member with 'etcdctl member remove' and reset with --skip-phases=remove-etcd-member", u, m, local.Name)
			}
			return m, true, nil
		}
	}
	return etcd.Member{}, false, nil
}
