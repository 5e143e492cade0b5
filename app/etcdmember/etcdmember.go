// Package etcdmember lists the members of a control plane's etcd cluster
// with their health, and removes a dead one without putting quorum at risk.
package etcdmember

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
)

// Client is what listing and removing need of etcd.
type Client interface {
	Statuses(ctx context.Context) ([]etcd.MemberStatus, error)
	Remove(ctx context.Context, id uint64, force bool) error
}

// Row is one member in a listing.
type Row struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	PeerURLs   []string `json:"peerURLs"`
	ClientURLs []string `json:"clientURLs"`
	// Role is "voter" or "learner".
	Role    string `json:"role"`
	Leader  bool   `json:"leader"`
	DBSize  int64  `json:"dbSize"`
	Version string `json:"version,omitempty"`
	Healthy bool   `json:"healthy"`
	// Problem says why the member is not healthy.
	Problem string `json:"problem,omitempty"`
}

// List returns the members, by name.
func List(ctx context.Context, c Client) ([]Row, error) {
	st, err := c.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(st))
	for _, s := range st {
		r := Row{ID: strconv.FormatUint(s.ID, 16), Name: s.Name, PeerURLs: s.PeerURLs, ClientURLs: s.ClientURLs, Role: "voter",
			Leader: s.Leader, DBSize: s.DBSize, Version: s.Version, Healthy: s.Healthy()}
		if s.IsLearner {
			r.Role = "learner"
		}
		if s.Err != nil {
			r.Problem = s.Err.Error()
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows, nil
}

// ErrOwnMember refuses to remove this node's own healthy member.
var ErrOwnMember = errors.New("the member is this node's own and it is healthy")

// Remove removes the member named by name or hex ID. It refuses, unless
// force, when that would leave the remaining voters without an answering
// quorum (the error wraps etcd.ErrQuorumAtRisk) and when the member is
// self's while it is healthy (ErrOwnMember). It returns the member removed.
func Remove(ctx context.Context, c Client, nameOrID string, self etcdpod.Member, force bool) (etcd.Member, error) {
	st, err := c.Statuses(ctx)
	if err != nil {
		return etcd.Member{}, err
	}
	var target *etcd.MemberStatus
	var names []string
	for i, s := range st {
		names = append(names, s.Name+" ("+strconv.FormatUint(s.ID, 16)+")")
		if s.Name == nameOrID || strconv.FormatUint(s.ID, 16) == strings.ToLower(nameOrID) {
			if target != nil {
				return etcd.Member{}, fmt.Errorf("%q names more than one etcd member: give its ID", nameOrID)
			}
			target = &st[i]
		}
	}
	if target == nil {
		return etcd.Member{}, fmt.Errorf("%w: no member is named or has the ID %q; the members are %s", etcd.ErrMemberNotFound, nameOrID, strings.Join(names, ", "))
	}
	if !force {
		own := false
		for _, u := range self.PeerURLs {
			own = own || target.HasPeerURL(u)
		}
		if own && target.Healthy() {
			return etcd.Member{}, fmt.Errorf("%w: removing %s would stop this control plane's etcd; run 'kubeadm reset' here instead, or pass --force", ErrOwnMember, target.Member)
		}
		answering := map[uint64]bool{}
		var members []etcd.Member
		for _, s := range st {
			members = append(members, s.Member)
			answering[s.ID] = s.Healthy()
		}
		if err := etcd.CheckRemoval(members, answering, target.ID); err != nil {
			return etcd.Member{}, fmt.Errorf("%w; pass --force to remove it anyway", err)
		}
	}
	if err := c.Remove(ctx, target.ID, force); err != nil {
		return etcd.Member{}, err
	}
	return target.Member, nil
}
