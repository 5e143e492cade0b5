package etcdfake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
)

// Members lists all members.
func (f *Fake) Members(ctx context.Context) ([]etcd.Member, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(OpMembers, ""); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return f.snapshot(), nil
}

// AddLearner adds an unstarted, unsynced learner, or returns the member
// with peerURL; it fails with etcd.ErrLearnerPresent while another learner
// is present.
func (f *Fake) AddLearner(ctx context.Context, name, peerURL string) (etcd.Member, []etcd.Member, error) {
	f.mu.Lock()
	if err := f.begin(OpAddLearner, peerURL); err != nil {
		f.mu.Unlock()
		return etcd.Member{}, nil, err
	}
	if err := ctx.Err(); err != nil {
		f.mu.Unlock()
		return etcd.Member{}, nil, err
	}
	if i := f.indexByPeerURL(peerURL); i >= 0 {
		m := clone(f.members[i])
		all := f.snapshot()
		f.mu.Unlock()
		return m, all, nil
	}
	for _, m := range f.members {
		if m.IsLearner {
			f.mu.Unlock()
			return etcd.Member{}, nil, fmt.Errorf("adding learner %s (%s): %w: learner %s", name, peerURL, etcd.ErrLearnerPresent, m)
		}
	}
	m := etcd.Member{ID: f.newID(), PeerURLs: []string{peerURL}, IsLearner: true}
	f.members = append(f.members, m)
	all := f.snapshot()
	hook := f.OnAddLearner
	f.mu.Unlock()
	if hook != nil {
		hook(clone(m))
	}
	return clone(m), all, nil
}

// WaitStarted waits until the member with peerURL has started.
func (f *Fake) WaitStarted(ctx context.Context, peerURL string) error {
	f.mu.Lock()
	err := f.begin(OpWaitStarted, peerURL)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.poll(ctx, "waiting for etcd member "+peerURL+" to start", func() (bool, error) {
		i := f.indexByPeerURL(peerURL)
		if i < 0 {
			return false, fmt.Errorf("waiting for %s: %w", peerURL, etcd.ErrMemberNotFound)
		}
		return f.members[i].Started(), nil
	})
}

// Promote waits until learner id is in sync and makes it a voter; a voter
// stays as it is.
func (f *Fake) Promote(ctx context.Context, id uint64) error {
	f.mu.Lock()
	err := f.begin(OpPromote, hexID(id))
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.poll(ctx, "promoting etcd learner "+hexID(id), func() (bool, error) {
		i := f.indexByID(id)
		if i < 0 {
			return false, fmt.Errorf("promoting %s: %w", hexID(id), etcd.ErrMemberNotFound)
		}
		if !f.members[i].IsLearner {
			return true, nil
		}
		if !f.inSync[id] {
			return false, nil
		}
		f.members[i].IsLearner = false
		return true, nil
	})
}

// Remove removes member id, refusing like etcd.Client does to break the
// quorum of the answering voters unless force is set.
func (f *Fake) Remove(ctx context.Context, id uint64, force bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(OpRemove, hexID(id)); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	i := f.indexByID(id)
	if i < 0 {
		return nil
	}
	if !force {
		if err := etcd.CheckRemoval(f.members, f.answering(), id); err != nil {
			return err
		}
	}
	f.members = slices.Delete(f.members, i, i+1)
	return nil
}

// Healthy fails, as etcd.Client does, unless more than half of the voters
// are up and started; the error wraps etcd.ErrUnhealthy and names every
// voter that is down or has not started.
func (f *Fake) Healthy(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(OpHealthy, ""); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var bad []string
	voters := 0
	for _, m := range f.members {
		if m.IsLearner {
			continue
		}
		voters++
		if f.down[m.ID] || !m.Started() {
			bad = append(bad, m.String())
		}
	}
	if voters == 0 || voters-len(bad) <= voters/2 {
		return fmt.Errorf("%w: not answering: %s", etcd.ErrUnhealthy, strings.Join(bad, ", "))
	}
	return nil
}

func (f *Fake) answering() map[uint64]bool {
	up := map[uint64]bool{}
	for _, m := range f.members {
		if m.Started() && !f.down[m.ID] {
			up[m.ID] = true
		}
	}
	return up
}

// poll calls cond under the lock until it reports done, fails or ctx ends.
func (f *Fake) poll(ctx context.Context, what string, cond func() (bool, error)) error {
	for {
		f.mu.Lock()
		done, err := cond()
		f.mu.Unlock()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}
