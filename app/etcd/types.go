package etcd

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Member is one member of an etcd cluster.
type Member struct {
	// ID is the member ID assigned by etcd.
	ID uint64
	// Name is empty until the member has started and published itself.
	Name string
	// PeerURLs are the URLs the other members reach this member on.
	PeerURLs []string
	// ClientURLs are empty until the member has started.
	ClientURLs []string
	// IsLearner is true for a non-voting member.
	IsLearner bool
}

// Started reports whether the member has started and joined the cluster.
func (m Member) Started() bool { return m.Name != "" }

// HasPeerURL reports whether peerURL is one of the member's peer URLs.
func (m Member) HasPeerURL(peerURL string) bool {
	want := normalizeURL(peerURL)
	for _, u := range m.PeerURLs {
		if normalizeURL(u) == want {
			return true
		}
	}
	return false
}

// String names the member for messages: name, hex ID and first peer URL.
func (m Member) String() string {
	name := m.Name
	if name == "" {
		name = "<unstarted>"
	}
	peer := ""
	if len(m.PeerURLs) > 0 {
		peer = " " + m.PeerURLs[0]
	}
	return name + " (" + strconv.FormatUint(m.ID, 16) + peer + ")"
}

// Cluster is what join, reset and upgrade need from an etcd cluster.
type Cluster interface {
	// Members lists all members, voters and learners.
	Members(ctx context.Context) ([]Member, error)
	// AddLearner adds a learner with peerURL and returns it together with all
	// members, the new one included. A member with this peer URL that is
	// already present is returned as it is, learner or voter. If another
	// learner is present the error wraps ErrLearnerPresent.
	AddLearner(ctx context.Context, name, peerURL string) (Member, []Member, error)
	// WaitStarted waits until the member with peerURL has started.
	WaitStarted(ctx context.Context, peerURL string) error
	// Promote makes learner id a voter, retrying while it is not in sync
	// with the leader. Promoting a voter is a no-op.
	Promote(ctx context.Context, id uint64) error
	// Remove removes member id. Removing a voter is refused with
	// ErrQuorumAtRisk if the remaining voters that answer would not form a
	// quorum, unless force is set. Removing an absent member is a no-op.
	Remove(ctx context.Context, id uint64, force bool) error
	// Healthy returns nil while more than half of the voters answer their
	// status without errors; otherwise the error wraps ErrUnhealthy.
	Healthy(ctx context.Context) error
	// Snapshot streams a snapshot of the keyspace to w.
	Snapshot(ctx context.Context, w io.Writer) error
	// Close releases the connection.
	Close() error
}

var (
	// ErrLearnerPresent means another learner is present; etcd admits one
	// at a time. Wait and retry.
	ErrLearnerPresent = errors.New("another etcd learner is present")
	// ErrQuorumAtRisk means removing the member would leave the remaining
	// voters without an answering quorum.
	ErrQuorumAtRisk = errors.New("removing the etcd member would lose quorum")
	// ErrMemberNotFound means no member with the given ID or peer URL exists.
	ErrMemberNotFound = errors.New("etcd member not found")
	// ErrUnhealthy means no more than half of the voters answer healthily.
	ErrUnhealthy = errors.New("etcd cluster is not healthy")
)

func normalizeURL(u string) string { return strings.TrimSuffix(u, "/") }

func findByPeerURL(members []Member, peerURL string) (Member, bool) {
	for _, m := range members {
		if m.HasPeerURL(peerURL) {
			return m, true
		}
	}
	return Member{}, false
}

func findByID(members []Member, id uint64) (Member, bool) {
	for _, m := range members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

func hexID(id uint64) string { return strconv.FormatUint(id, 16) }

// InitialCluster formats members as the value of etcd's --initial-cluster
// flag, "name=peerURL,...", in the given order. Members that have not started
// yet have no name: selfName is used for the member with selfPeerURL and the
// hex member ID for any other.
func InitialCluster(members []Member, selfName, selfPeerURL string) string {
	var parts []string
	for _, m := range members {
		name := m.Name
		if name == "" {
			name = hexID(m.ID)
			if m.HasPeerURL(selfPeerURL) {
				name = selfName
			}
		}
		for _, u := range m.PeerURLs {
			parts = append(parts, name+"="+u)
		}
	}
	return strings.Join(parts, ",")
}
