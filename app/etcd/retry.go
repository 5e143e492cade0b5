package etcd

import (
	"context"
	"errors"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// transientEtcdErrors are server answers that may go away by themselves.
var transientEtcdErrors = []error{
	rpctypes.ErrNoLeader,
	rpctypes.ErrNotLeader,
	rpctypes.ErrLeaderChanged,
	rpctypes.ErrStopped,
	rpctypes.ErrTimeout,
	rpctypes.ErrTimeoutDueToLeaderFail,
	rpctypes.ErrTimeoutDueToConnectionLost,
	rpctypes.ErrTimeoutWaitAppliedIndex,
	rpctypes.ErrUnhealthy,
	rpctypes.ErrMemberNotEnoughStarted,
	rpctypes.ErrTooManyRequests,
}

// IsRetryable reports whether err is a transient etcd or connection error
// after which the same request may succeed: no leader, leader change, request
// timeout, unhealthy cluster (for example a member that joined only seconds
// ago), unreachable endpoint or an attempt that timed out.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	for _, t := range transientEtcdErrors {
		if isEtcdErr(err, t) {
			return true
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return anyInTree(err, func(e error) bool {
		s, ok := status.FromError(e)
		return ok && (s.Code() == codes.Unavailable || s.Code() == codes.DeadlineExceeded)
	})
}

// isLearnerNotReady reports whether etcd refused a promotion because the
// learner is not in sync with the leader yet.
func isLearnerNotReady(err error) bool {
	return isEtcdErr(err, rpctypes.ErrMemberLearnerNotReady)
}

// isEtcdErr reports whether err or an error it wraps is the etcd error
// target, comparing by value or by the exact gRPC description.
func isEtcdErr(err, target error) bool {
	if errors.Is(err, target) {
		return true
	}
	want := target.Error()
	return anyInTree(err, func(e error) bool { return rpctypes.ErrorDesc(e) == want })
}

// anyInTree reports whether f holds for err or any error it wraps.
func anyInTree(err error, f func(error) bool) bool {
	if err == nil {
		return false
	}
	if f(err) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return anyInTree(u.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if anyInTree(e, f) {
				return true
			}
		}
	}
	return false
}

// sleepCtx waits for d or until ctx ends, and returns ctx.Err() if it ended.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
