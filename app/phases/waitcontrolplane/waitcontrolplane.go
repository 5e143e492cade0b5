// Package waitcontrolplane waits until the kubelet is healthy and then until
// every control-plane component answers its health endpoint, within the
// configured timeouts, and says which one did not.
package waitcontrolplane

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// PollInterval is how often local health endpoints are polled: they are
// on this node or its network, and every poll saved is time the command
// does not wait.
const PollInterval = 50 * time.Millisecond

// Check is one health endpoint to wait for.
type Check struct {
	Name string
	URL  string
}

// KubeletCheck is the kubelet's healthz endpoint.
func KubeletCheck() Check { return Check{Name: "kubelet", URL: "http://127.0.0.1:10248/healthz"} }

// ComponentChecks are the endpoints upstream kubeadm waits for: the API
// server's /livez on its advertise address, the controller-manager's
// /healthz and the scheduler's /livez on loopback.
func ComponentChecks(advertiseAddress string, bindPort int32) []Check {
	return []Check{
		{Name: "kube-apiserver", URL: "https://" + net.JoinHostPort(advertiseAddress, strconv.Itoa(int(bindPort))) + "/livez"},
		{Name: "kube-controller-manager", URL: "https://127.0.0.1:10257/healthz"},
		{Name: "kube-scheduler", URL: "https://127.0.0.1:10259/livez"},
	}
}

// Getter fetches a URL and returns its status code.
type Getter func(ctx context.Context, url string) (int, error)

// HTTPGet is the production Getter: TLS is not verified (the endpoints
// serve self-signed or cluster-CA certificates; only liveness matters here).
// Every probe opens its own connection, so an answer always comes from the
// process listening now, never from one that is shutting down (upgrades
// replace components while they are probed).
func HTTPGet(ctx context.Context, url string) (int, error) { return get(ctx, freshClient, url) }

// KeepAliveGet is HTTPGet over connections kept open between polls: a
// component that answers costs one TLS handshake, not one every poll (both
// sides pay for a handshake in CPU while the control plane starts). init
// and join use it; their components are started, not replaced.
func KeepAliveGet(ctx context.Context, url string) (int, error) {
	return get(ctx, keepAliveClient, url)
}

var (
	// freshClient closes each connection after its answer.
	freshClient = probeClient(&http.Transport{DisableKeepAlives: true})
	// keepAliveClient keeps one connection per endpoint from poll to poll
	// and closes it once idle.
	keepAliveClient = probeClient(&http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: 5 * time.Second})
)

// probeClient completes t for health probes: TLS not verified, no
// compression, 5 s per probe.
func probeClient(t *http.Transport) *http.Client {
	t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // health probe only
	t.DisableCompression = true
	return &http.Client{Timeout: 5 * time.Second, Transport: t}
}

// get asks url and reads the answer to its end, so its connection can be
// used again.
func get(ctx context.Context, client *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// WaitAll waits until every check answers 200, polling each every
// interval, and fails after timeout naming the checks that never did and
// their last error.
func WaitAll(ctx context.Context, get Getter, checks []Check, timeout, interval time.Duration, healthy func(Check, time.Duration)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	type outcome struct {
		check Check
		err   error
	}
	results := make(chan outcome, len(checks))
	for _, c := range checks {
		go func(c Check) {
			var last error
			for {
				code, err := get(ctx, c.URL)
				if err == nil && code == http.StatusOK {
					results <- outcome{c, nil}
					return
				}
				if err == nil {
					err = fmt.Errorf("status %d", code)
				}
				// A probe cut short by the deadline says nothing about
				// the component: keep the error before it.
				if last == nil || ctx.Err() == nil {
					last = err
				}
				select {
				case <-ctx.Done():
					results <- outcome{c, last}
					return
				case <-time.After(interval):
				}
			}
		}(c)
	}
	var failed []string
	for range checks {
		o := <-results
		if o.err != nil {
			failed = append(failed, fmt.Sprintf("%s (%s): %v", o.check.Name, o.check.URL, o.err))
			continue
		}
		if healthy != nil {
			healthy(o.check, time.Since(start))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("not healthy within %s: %v", timeout, failed)
	}
	return nil
}
