package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Healthy returns nil if every voter answers on one of its client URLs,
// reports no errors and knows a leader, and a linearizable member list
// proves the quorum. Otherwise the error wraps ErrUnhealthy and names the
// voters and endpoints that failed. Learners are not checked.
func (c *Client) Healthy(ctx context.Context) error {
	// A serializable list answers without quorum, so the voters that are
	// down can be named.
	members, err := c.members(ctx, true)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnhealthy, err)
	}
	probes := c.probeVoters(ctx, members)
	var problems []string
	for _, m := range members {
		if m.IsLearner {
			continue
		}
		if err := probes[m.ID]; err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrUnhealthy, strings.Join(problems, "; "))
	}
	if _, err := c.Members(ctx); err != nil {
		return fmt.Errorf("%w: no quorum: %w", ErrUnhealthy, err)
	}
	return nil
}

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
	if len(m.ClientURLs) == 0 {
		return fmt.Errorf("member %s has no client URL (not started)", m)
	}
	var errs []error
	for _, ep := range m.ClientURLs {
		err := c.probeEndpoint(ctx, ep)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("member %s: %w", m, errors.Join(errs...))
}

func (c *Client) probeEndpoint(ctx context.Context, ep string) error {
	rctx, cancel := c.probeCtx(ctx)
	defer cancel()
	st, err := c.cli.Status(rctx, ep)
	switch {
	case err != nil:
		return fmt.Errorf("endpoint %s does not answer: %w", ep, err)
	case len(st.Errors) > 0:
		return fmt.Errorf("endpoint %s reports: %s", ep, strings.Join(st.Errors, ", "))
	case st.Leader == 0:
		return fmt.Errorf("endpoint %s has no leader", ep)
	}
	return nil
}

// EndpointVersion returns the etcd version the member at ep runs, once it
// answers, reports no error and knows a leader.
func (c *Client) EndpointVersion(ctx context.Context, ep string) (string, error) {
	if err := c.probeEndpoint(ctx, ep); err != nil {
		return "", err
	}
	rctx, cancel := c.probeCtx(ctx)
	defer cancel()
	st, err := c.cli.Status(rctx, ep)
	if err != nil {
		return "", fmt.Errorf("endpoint %s does not answer: %w", ep, err)
	}
	return st.Version, nil
}
