package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// joinRetryInterval is the pause between attempts to add the learner.
var joinRetryInterval = 500 * time.Millisecond

// cleanupTimeout bounds the removal of a failed learner, which runs even
// when ctx has already ended.
const cleanupTimeout = 30 * time.Second

// JoinAsLearner joins the local member name with peerURL to the cluster:
//
//  1. It adds the member as a learner, retrying while another learner is
//     present or on transient errors until ctx ends, so concurrent joins are
//     serialized. A member already present with peerURL is reused.
//  2. It calls startMember with all members; the caller writes the etcd
//     static Pod manifest with --initial-cluster-state=existing (see
//     InitialCluster).
//  3. It waits up to waitTimeout (0: until ctx ends) for the member to start.
//  4. It promotes the learner, retrying while it is not in sync.
//
// On any failure after the learner was added, the learner is removed again
// (a voter never is) and the error is returned. Learners do not vote, so the
// quorum of the voters is never affected until the promotion, which etcd
// only admits for a learner in sync with the leader.
func JoinAsLearner(ctx context.Context, c Cluster, name, peerURL string, startMember func(initialCluster []Member) error, waitTimeout time.Duration) error {
	if startMember == nil {
		return fmt.Errorf("joining etcd member %s (%s): no startMember function", name, peerURL)
	}
	self, members, err := addLearner(ctx, c, name, peerURL)
	if err != nil {
		// The add may have succeeded with its answer lost.
		return cleanupByPeerURL(ctx, c, peerURL, fmt.Errorf("joining etcd member %s (%s): %w", name, peerURL, err))
	}
	fail := func(err error) error {
		return cleanup(ctx, c, self, fmt.Errorf("joining etcd member %s (%s): %w", name, peerURL, err))
	}
	if err := startMember(members); err != nil {
		return fail(fmt.Errorf("starting the member: %w", err))
	}
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if waitTimeout > 0 {
		wctx, cancel = context.WithTimeout(ctx, waitTimeout)
	}
	err = c.WaitStarted(wctx, peerURL)
	cancel()
	if err != nil {
		return fail(err)
	}
	if err := c.Promote(ctx, self.ID); err != nil {
		return fail(err)
	}
	return nil
}

func addLearner(ctx context.Context, c Cluster, name, peerURL string) (Member, []Member, error) {
	var last error // why the previous attempt was retried
	for {
		self, members, err := c.AddLearner(ctx, name, peerURL)
		if err == nil {
			return self, members, nil
		}
		if cerr := ctx.Err(); cerr != nil && last != nil {
			// The deadline hit during an attempt: report what was waited for.
			return Member{}, nil, fmt.Errorf("%w (gave up: %w)", last, cerr)
		}
		last = err
		if !errors.Is(err, ErrLearnerPresent) && !IsRetryable(err) {
			return Member{}, nil, err
		}
		if cerr := sleepCtx(ctx, joinRetryInterval); cerr != nil {
			return Member{}, nil, fmt.Errorf("%w (gave up: %w)", err, cerr)
		}
	}
}

// cleanup removes self again if it is still a learner and returns cause,
// joined with any removal error.
func cleanup(ctx context.Context, c Cluster, self Member, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	members, err := c.Members(rctx)
	if err != nil {
		return errors.Join(cause, fmt.Errorf("checking learner %s before removing it: %w", self, err))
	}
	return removeLearner(rctx, c, members, self.ID, cause)
}

// cleanupByPeerURL removes the learner with peerURL, if any, and returns
// cause, joined with any removal error.
func cleanupByPeerURL(ctx context.Context, c Cluster, peerURL string, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	members, err := c.Members(rctx)
	if err != nil {
		return errors.Join(cause, fmt.Errorf("checking for a learner with peer URL %s: %w", peerURL, err))
	}
	m, ok := findByPeerURL(members, peerURL)
	if !ok {
		return cause
	}
	return removeLearner(rctx, c, members, m.ID, cause)
}

func removeLearner(ctx context.Context, c Cluster, members []Member, id uint64, cause error) error {
	m, ok := findByID(members, id)
	if !ok || !m.IsLearner {
		// Gone already, or a voter, which is kept.
		return cause
	}
	// Even if a promotion whose answer was lost lands first, the remaining
	// voters are the ones that had quorum before, so quorum is kept.
	if err := c.Remove(ctx, id, false); err != nil {
		return errors.Join(cause, fmt.Errorf("removing learner %s again: %w", m, err))
	}
	return cause
}
