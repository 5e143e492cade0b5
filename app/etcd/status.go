package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// MemberStatus is a member together with what it reports about itself.
type MemberStatus struct {
	Member
	// ClusterID is the ID of the cluster the member belongs to.
	ClusterID uint64
	// Leader is true for the member that leads the cluster.
	Leader bool
	// DBSize is the size in bytes of the member's database file.
	DBSize int64
	// Version is the etcd version the member runs.
	Version string
	// Err says why the member is not healthy: it did not answer, reported
	// errors or knows no leader. It is nil for a healthy member.
	Err error
}

// Healthy reports whether the member answered, reported no error and
// knows a leader.
func (s MemberStatus) Healthy() bool { return s.Err == nil }

// Statuses lists the members with a serializable read, which works without
// quorum, and asks each member for its status concurrently.
func (c *Client) Statuses(ctx context.Context) ([]MemberStatus, error) {
	members, err := c.members(ctx, true)
	if err != nil {
		return nil, err
	}
	out := make([]MemberStatus, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		out[i].Member = m
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.memberStatus(ctx, m)
		}()
	}
	wg.Wait()
	return out, nil
}

// EndpointStatus asks the member serving ep for its status; Member holds
// only its ID.
func (c *Client) EndpointStatus(ctx context.Context, ep string) (MemberStatus, error) {
	rctx, cancel := c.probeCtx(ctx)
	defer cancel()
	st, err := c.cli.Status(rctx, ep)
	if err != nil {
		return MemberStatus{}, fmt.Errorf("endpoint %s does not answer: %w", ep, err)
	}
	s := MemberStatus{Member: Member{ID: st.Header.GetMemberId()}, ClusterID: st.Header.GetClusterId(),
		Leader: st.Leader != 0 && st.Leader == st.Header.GetMemberId(), DBSize: st.DbSize, Version: st.Version}
	switch {
	case len(st.Errors) > 0:
		s.Err = fmt.Errorf("endpoint %s reports: %s", ep, strings.Join(st.Errors, ", "))
	case st.Leader == 0:
		s.Err = fmt.Errorf("endpoint %s has no leader", ep)
	}
	return s, nil
}

// memberStatus asks the member's client URLs in turn until one answers
// healthily; otherwise it returns the last answer (or the member alone)
// with what was wrong on each URL.
func (c *Client) memberStatus(ctx context.Context, m Member) MemberStatus {
	if len(m.ClientURLs) == 0 {
		return MemberStatus{Member: m, Err: fmt.Errorf("member %s has no client URL (not started)", m)}
	}
	last := MemberStatus{Member: m}
	var errs []error
	for _, ep := range m.ClientURLs {
		s, err := c.EndpointStatus(ctx, ep)
		if err == nil && s.Err == nil {
			s.Member = m
			return s
		}
		if err == nil {
			s.Member, last, err = m, s, s.Err
		}
		errs = append(errs, err)
	}
	last.Err = errors.Join(errs...)
	return last
}
