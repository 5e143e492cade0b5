// Package etcdfake provides an in-memory fake of etcd.Cluster for unit tests
// of its callers, with injectable failures.
//
// The fake follows etcd's rules: one learner at a time, a learner is
// promoted only once it has started and is in sync, and removing a voter is
// refused when the remaining answering voters would not form a quorum.
// Tests drive the members with StartMember, SetInSync and SetDown.
package etcdfake

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
)

// Op names a method of etcd.Cluster for failure injection.
type Op string

// The operations failures can be injected into.
const (
	OpMembers     Op = "Members"
	OpAddLearner  Op = "AddLearner"
	OpWaitStarted Op = "WaitStarted"
	OpPromote     Op = "Promote"
	OpRemove      Op = "Remove"
	OpHealthy     Op = "Healthy"
	OpSnapshot    Op = "Snapshot"
)

// pollInterval is how often waiting methods look at the state again.
const pollInterval = 5 * time.Millisecond

// Fake is an in-memory etcd cluster. The zero value is not usable; use New.
type Fake struct {
	mu       sync.Mutex
	members  []etcd.Member
	nextID   uint64
	inSync   map[uint64]bool
	down     map[uint64]bool
	failNext map[Op][]error
	failAll  map[Op]error
	calls    []string
	closed   bool

	// SnapshotData is what Snapshot writes.
	SnapshotData []byte
	// OnAddLearner, if set, runs after a learner was added (outside the lock).
	OnAddLearner func(m etcd.Member)
}

var _ etcd.Cluster = (*Fake)(nil)

// New returns a fake holding members; members with ID 0 get an ID. Started
// members are in sync.
func New(members ...etcd.Member) *Fake {
	f := &Fake{
		nextID:   0x1000,
		inSync:   map[uint64]bool{},
		down:     map[uint64]bool{},
		failNext: map[Op][]error{},
		failAll:  map[Op]error{},
	}
	for _, m := range members {
		if m.ID == 0 {
			m.ID = f.newID()
		}
		f.members = append(f.members, clone(m))
		f.inSync[m.ID] = m.Started()
	}
	return f
}

// Voter returns a started voter for New.
func Voter(name, peerURL, clientURL string) etcd.Member {
	return etcd.Member{Name: name, PeerURLs: []string{peerURL}, ClientURLs: []string{clientURL}}
}

// FailNext makes the next len(errs) calls of op fail with errs in order.
func (f *Fake) FailNext(op Op, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext[op] = append(f.failNext[op], errs...)
}

// FailAlways makes every call of op fail with err; nil stops it.
func (f *Fake) FailAlways(op Op, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.failAll, op)
		return
	}
	f.failAll[op] = err
}

// StartMember marks the member with peerURL as started under name, with a
// client URL, and in sync. It reports whether the member exists.
func (f *Fake) StartMember(peerURL, name, clientURL string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexByPeerURL(peerURL)
	if i < 0 {
		return false
	}
	f.members[i].Name = name
	f.members[i].ClientURLs = []string{clientURL}
	f.inSync[f.members[i].ID] = true
	return true
}

// SetInSync sets whether the member with peerURL is in sync with the leader.
func (f *Fake) SetInSync(peerURL string, inSync bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.indexByPeerURL(peerURL); i >= 0 {
		f.inSync[f.members[i].ID] = inSync
	}
}

// SetDown sets whether the member with peerURL does not answer.
func (f *Fake) SetDown(peerURL string, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.indexByPeerURL(peerURL); i >= 0 {
		f.down[f.members[i].ID] = down
	}
}

// Member returns the member with peerURL.
func (f *Fake) Member(peerURL string) (etcd.Member, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.indexByPeerURL(peerURL); i >= 0 {
		return clone(f.members[i]), true
	}
	return etcd.Member{}, false
}

// Calls returns the calls made so far, like "Promote 1001".
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Closed reports whether Close was called.
func (f *Fake) Closed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// Snapshot writes SnapshotData to w.
func (f *Fake) Snapshot(ctx context.Context, w io.Writer) error {
	f.mu.Lock()
	err := f.begin(OpSnapshot, "")
	data := slices.Clone(f.SnapshotData)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Close marks the fake closed.
func (f *Fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// begin records a call and returns an injected failure, if any. f.mu held.
func (f *Fake) begin(op Op, arg string) error {
	f.calls = append(f.calls, string(op)+" "+arg)
	if q := f.failNext[op]; len(q) > 0 {
		f.failNext[op] = q[1:]
		return q[0]
	}
	return f.failAll[op]
}

func (f *Fake) newID() uint64 {
	f.nextID++
	return f.nextID
}

func (f *Fake) indexByPeerURL(peerURL string) int {
	return slices.IndexFunc(f.members, func(m etcd.Member) bool { return m.HasPeerURL(peerURL) })
}

func (f *Fake) indexByID(id uint64) int {
	return slices.IndexFunc(f.members, func(m etcd.Member) bool { return m.ID == id })
}

func (f *Fake) snapshot() []etcd.Member {
	out := make([]etcd.Member, len(f.members))
	for i, m := range f.members {
		out[i] = clone(m)
	}
	return out
}

func clone(m etcd.Member) etcd.Member {
	m.PeerURLs = slices.Clone(m.PeerURLs)
	m.ClientURLs = slices.Clone(m.ClientURLs)
	return m
}

func hexID(id uint64) string { return fmt.Sprintf("%x", id) }
