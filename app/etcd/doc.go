// Package etcd talks to the stacked etcd cluster of a control plane.
//
// It offers a narrow Cluster interface with what join, reset and upgrade
// need: list members, add a learner, wait for it to start, promote it once it
// is in sync with the leader, remove members without putting the quorum of
// the voters at risk, check health and take snapshots. Client implements the
// interface over the etcd v3 client; package etcdfake holds an in-memory fake.
//
// JoinAsLearner orchestrates the join of a new control-plane member: the
// member is added as a learner, started by the caller, promoted only once it
// runs and is in sync, and removed again on any failure. etcd admits one
// learner at a time, so concurrent joins are serialized by retrying while
// another learner is present.
package etcd
