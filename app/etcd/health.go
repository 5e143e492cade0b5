package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Healthy returns Health's error: nil while more than half of the voting
// members are healthy.
func (c *Client) Healthy(ctx context.Context) error {
	_, err := c.Health(ctx)
	return err
}

// Health checks the cluster by quorum. Each voter is asked for its status
// on its client URLs and is healthy when one answers without reporting
// errors; learners are not counted. While more than half of the voters are
// healthy the cluster is, and the others come back as warnings. Otherwise
// the voters that failed are asked again every retry interval until ctx
// ends, and the error wraps ErrUnhealthy and every voter's problem. Callers
// bound ctx (the EtcdAPICall timeout).
func (c *Client) Health(ctx context.Context) ([]string, error) {
	list := func(ctx context.Context) ([]Member, error) {
		// A serializable list answers without quorum, so the voters that
		// are down can be named.
		return c.members(ctx, true)
	}
	status := func(ctx context.Context, m Member) error {
		return memberHealth(ctx, m, func(ctx context.Context, ep string) (*clientv3.StatusResponse, error) {
			rctx, cancel := c.probeCtx(ctx)
			defer cancel()
			return c.cli.Status(rctx, ep)
		})
	}
	return checkQuorum(ctx, c.retryInterval(), list, status)
}

// statusFunc asks the member at one client URL for its status.
type statusFunc func(ctx context.Context, endpoint string) (*clientv3.StatusResponse, error)

// memberHealth returns nil when one of m's client URLs answers its status
// without errors, else what is wrong on each, in upstream's words.
func memberHealth(ctx context.Context, m Member, status statusFunc) error {
	if len(m.ClientURLs) == 0 {
		return fmt.Errorf("member %s has no client URL (not started)", m)
	}
	var errs memberErrors
	for _, ep := range m.ClientURLs {
		st, err := status(ctx, ep)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("the status of member %s is not available: %w", ep, err))
		case len(st.Errors) > 0:
			errs = append(errs, fmt.Errorf("member %s is not healthy: %s", ep, strings.Join(st.Errors, ",")))
		default:
			return nil
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errs
}

// checkQuorum lists the members once, then asks the voters not yet known
// healthy for their health, round after round, until more than half are
// healthy or ctx ends.
func checkQuorum(ctx context.Context, interval time.Duration, list func(context.Context) ([]Member, error), health func(context.Context, Member) error) ([]string, error) {
	var (
		voters   []Member
		listed   bool
		listErr  error
		problems = map[uint64]error{}
	)
	for {
		if !listed {
			ms, err := list(ctx)
			if err == nil {
				listed = true
				for _, m := range ms {
					if !m.IsLearner {
						voters = append(voters, m)
						problems[m.ID] = errors.New("not asked yet")
					}
				}
				if len(voters) == 0 {
					return nil, fmt.Errorf("%w: the cluster has no voting member", ErrUnhealthy)
				}
			}
			listErr = err
		}
		if listed {
			askVoters(ctx, voters, problems, health)
			if warnings, err := quorum(voters, problems); err == nil {
				return warnings, nil
			}
		}
		if sleepCtx(ctx, interval) != nil {
			break
		}
	}
	if !listed {
		return nil, fmt.Errorf("%w: %w", ErrUnhealthy, listErr)
	}
	_, err := quorum(voters, problems)
	return nil, err
}

// askVoters asks, in parallel, every voter that has a problem again and
// records nil for those now healthy.
func askVoters(ctx context.Context, voters []Member, problems map[uint64]error, health func(context.Context, Member) error) {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	var ask []Member
	for _, m := range voters {
		if problems[m.ID] != nil {
			ask = append(ask, m)
		}
	}
	for _, m := range ask {
		wg.Go(func() {
			err := health(ctx, m)
			mu.Lock()
			problems[m.ID] = err
			mu.Unlock()
		})
	}
	wg.Wait()
}

// quorum decides from each voter's problem (nil when healthy): with more
// than half healthy it returns the others' problems as warnings, else an
// error wrapping ErrUnhealthy and every problem.
func quorum(voters []Member, problems map[uint64]error) ([]string, error) {
	var bad memberErrors
	for _, m := range voters {
		if err := problems[m.ID]; err != nil {
			bad = append(bad, err)
		}
	}
	healthy := len(voters) - len(bad)
	if healthy > len(voters)/2 {
		var warnings []string
		for _, e := range bad {
			warnings = append(warnings, e.Error())
		}
		return warnings, nil
	}
	return nil, fmt.Errorf("%w: %d of %d voting members are healthy, more than half are needed: %w", ErrUnhealthy, healthy, len(voters), bad)
}

// memberErrors aggregates problems on one line and keeps each one
// reachable for errors.Is and errors.As.
type memberErrors []error

func (e memberErrors) Error() string {
	parts := make([]string, len(e))
	for i, err := range e {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

func (e memberErrors) Unwrap() []error { return e }

// answeringVoters returns the IDs of the voters that answer a status request.
func (c *Client) answeringVoters(ctx context.Context, members []Member) map[uint64]bool {
	up := map[uint64]bool{}
	for id, err := range c.probeVoters(ctx, members) {
		if err == nil {
			up[id] = true
		}
	}
	return up
}

// probeVoters asks every voter for its status in parallel and returns, per
// voter ID, nil or an error naming the member and its endpoints.
func (c *Client) probeVoters(ctx context.Context, members []Member) map[uint64]error {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out = map[uint64]error{}
	)
	for _, m := range members {
		if m.IsLearner {
			continue
		}
		wg.Go(func() {
			err := c.probe(ctx, m)
			mu.Lock()
			out[m.ID] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// probe asks the member's client URLs in turn until one answers healthily.
func (c *Client) probe(ctx context.Context, m Member) error {
	if s := c.memberStatus(ctx, m); s.Err != nil {
		return fmt.Errorf("member %s: %w", m, s.Err)
	}
	return nil
}

func (c *Client) probeEndpoint(ctx context.Context, ep string) error {
	s, err := c.EndpointStatus(ctx, ep)
	if err != nil {
		return err
	}
	return s.Err
}

// EndpointVersion returns the etcd version the member at ep runs, once it
// answers, reports no error and knows a leader.
func (c *Client) EndpointVersion(ctx context.Context, ep string) (string, error) {
	s, err := c.EndpointStatus(ctx, ep)
	if err != nil {
		return "", err
	}
	if s.Err != nil {
		return "", s.Err
	}
	return s.Version, nil
}
