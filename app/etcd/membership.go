package etcd

import (
	"context"
	"fmt"
	"net/url"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// AddLearner adds a learner named name with peerURL in one attempt. A member
// with this peer URL that is already present is returned as it is. If
// another learner is present the error wraps ErrLearnerPresent. The returned
// list holds all members as etcd reports them; unstarted members have no
// name yet (see InitialCluster). name only labels errors here.
func (c *Client) AddLearner(ctx context.Context, name, peerURL string) (Member, []Member, error) {
	if err := validatePeerURL(peerURL); err != nil {
		return Member{}, nil, err
	}
	members, err := c.Members(ctx)
	if err != nil {
		return Member{}, nil, fmt.Errorf("adding etcd learner %s (%s): %w", name, peerURL, err)
	}
	if m, ok := findByPeerURL(members, peerURL); ok {
		return m, members, nil
	}
	if err := otherLearner(members, peerURL); err != nil {
		return Member{}, nil, fmt.Errorf("adding etcd learner %s (%s): %w", name, peerURL, err)
	}

	rctx, cancel := c.requestCtx(ctx)
	defer cancel()
	resp, err := c.cli.MemberAddAsLearner(rctx, []string{peerURL})
	switch {
	case err == nil:
		return fromPB([]*pb.Member{resp.Member})[0], fromPB(resp.Members), nil
	case isEtcdErr(err, rpctypes.ErrPeerURLExist):
		members, lerr := c.Members(ctx)
		if lerr != nil {
			return Member{}, nil, fmt.Errorf("adding etcd learner %s (%s): %w", name, peerURL, lerr)
		}
		if m, ok := findByPeerURL(members, peerURL); ok {
			return m, members, nil
		}
		return Member{}, nil, fmt.Errorf("adding etcd learner %s (%s) via %s: %w", name, peerURL, c.endpointList(), err)
	case isEtcdErr(err, rpctypes.ErrTooManyLearners):
		return Member{}, nil, fmt.Errorf("adding etcd learner %s (%s) via %s: %w: %w", name, peerURL, c.endpointList(), ErrLearnerPresent, err)
	default:
		return Member{}, nil, fmt.Errorf("adding etcd learner %s (%s) via %s: %w", name, peerURL, c.endpointList(), err)
	}
}

// WaitStarted polls the member list until the member with peerURL has a
// name, which it gets once it has started and joined. It fails at once if
// no such member exists.
func (c *Client) WaitStarted(ctx context.Context, peerURL string) error {
	var last error
	for {
		members, err := c.Members(ctx)
		if err == nil {
			m, ok := findByPeerURL(members, peerURL)
			if !ok {
				return fmt.Errorf("waiting for etcd member %s to start: %w", peerURL, ErrMemberNotFound)
			}
			if m.Started() {
				return nil
			}
			err = fmt.Errorf("etcd member %s has not started yet", m)
		} else if !IsRetryable(err) {
			return fmt.Errorf("waiting for etcd member %s to start: %w", peerURL, err)
		}
		last = err
		if cerr := c.pause(ctx, "WaitStarted", err); cerr != nil {
			return fmt.Errorf("waiting for etcd member %s to start: %w (last: %w)", peerURL, cerr, last)
		}
	}
}

// Promote makes learner id a voter. It retries while etcd answers that the
// learner is not in sync with the leader yet, or on transient errors, until
// ctx ends. Promoting a voter is a no-op.
func (c *Client) Promote(ctx context.Context, id uint64) error {
	var last error
	for {
		err := c.promoteOnce(ctx, id)
		if err == nil {
			return nil
		}
		if !isLearnerNotReady(err) && !IsRetryable(err) {
			return err
		}
		last = err
		if cerr := c.pause(ctx, "Promote", err); cerr != nil {
			return fmt.Errorf("promoting etcd learner %s: %w (last: %w)", hexID(id), cerr, last)
		}
	}
}

func (c *Client) promoteOnce(ctx context.Context, id uint64) error {
	// Check first, so a promotion whose answer was lost is not repeated.
	members, err := c.Members(ctx)
	if err != nil {
		return fmt.Errorf("promoting etcd learner %s: %w", hexID(id), err)
	}
	m, ok := findByID(members, id)
	if !ok {
		return fmt.Errorf("promoting etcd learner %s: %w", hexID(id), ErrMemberNotFound)
	}
	if !m.IsLearner {
		return nil
	}
	rctx, cancel := c.requestCtx(ctx)
	defer cancel()
	if _, err := c.cli.MemberPromote(rctx, id); err != nil {
		if isEtcdErr(err, rpctypes.ErrMemberNotLearner) {
			return nil
		}
		if isEtcdErr(err, rpctypes.ErrMemberNotFound) {
			return fmt.Errorf("promoting etcd learner %s: %w: %w", m, ErrMemberNotFound, err)
		}
		return fmt.Errorf("promoting etcd learner %s via %s: %w", m, c.endpointList(), err)
	}
	return nil
}

// Remove removes member id, retrying transient errors until ctx ends.
// Removing a voter is refused with an error wrapping ErrQuorumAtRisk when
// fewer than a majority of the remaining voters answer, unless force is set.
// Removing a learner never affects quorum; removing an absent member is a
// no-op.
func (c *Client) Remove(ctx context.Context, id uint64, force bool) error {
	var last error
	for {
		err := c.removeOnce(ctx, id, force)
		if err == nil {
			return nil
		}
		if !IsRetryable(err) {
			return err
		}
		last = err
		if cerr := c.pause(ctx, "Remove", err); cerr != nil {
			return fmt.Errorf("removing etcd member %s: %w (last: %w)", hexID(id), cerr, last)
		}
	}
}

func (c *Client) removeOnce(ctx context.Context, id uint64, force bool) error {
	// A serializable list works without a leader, so a cluster that has
	// lost quorum is still refused instead of failing obscurely.
	members, err := c.members(ctx, true)
	if err != nil {
		return fmt.Errorf("removing etcd member %s: %w", hexID(id), err)
	}
	m, ok := findByID(members, id)
	if !ok {
		return nil
	}
	if !m.IsLearner && !force {
		answering := c.answeringVoters(ctx, members)
		if err := CheckRemoval(members, answering, id); err != nil {
			return err
		}
	}
	rctx, cancel := c.requestCtx(ctx)
	defer cancel()
	if _, err := c.cli.MemberRemove(rctx, id); err != nil {
		if isEtcdErr(err, rpctypes.ErrMemberNotFound) {
			return nil
		}
		return fmt.Errorf("removing etcd member %s via %s: %w", m, c.endpointList(), err)
	}
	return nil
}

func validatePeerURL(peerURL string) error {
	u, err := url.Parse(peerURL)
	if err != nil {
		return fmt.Errorf("invalid etcd peer URL %q: %w", peerURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid etcd peer URL %q: want http(s)://host:port", peerURL)
	}
	return nil
}

// otherLearner returns an error wrapping ErrLearnerPresent if a learner
// other than the one with peerURL is present.
func otherLearner(members []Member, peerURL string) error {
	for _, m := range members {
		if m.IsLearner && !m.HasPeerURL(peerURL) {
			return fmt.Errorf("%w: learner %s", ErrLearnerPresent, m)
		}
	}
	return nil
}
