package waitcontrolplane

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestKubeletCheck(t *testing.T) {
	want := Check{Name: "kubelet", URL: "http://127.0.0.1:10248/healthz"}
	if got := KubeletCheck(); got != want {
		t.Fatalf("KubeletCheck() = %+v, want %+v", got, want)
	}
}

func TestComponentChecks(t *testing.T) {
	tests := []struct {
		addr string
		port int32
		want string
	}{
		{"10.0.0.1", 6443, "https://10.0.0.1:6443/livez"},
		{"192.168.1.5", 443, "https://192.168.1.5:443/livez"},
		{"fd00::1", 6443, "https://[fd00::1]:6443/livez"},
	}
	for _, tc := range tests {
		got := ComponentChecks(tc.addr, tc.port)
		want := []Check{
			{Name: "kube-apiserver", URL: tc.want},
			{Name: "kube-controller-manager", URL: "https://127.0.0.1:10257/healthz"},
			{Name: "kube-scheduler", URL: "https://127.0.0.1:10259/livez"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ComponentChecks(%s, %d) =\n%+v\nwant\n%+v", tc.addr, tc.port, got, want)
		}
	}
}

// fakeGetter answers per URL from a script: the i-th call to a URL gets
// script[url][i], the last entry repeating.
type fakeGetter struct {
	mu     sync.Mutex
	script map[string][]response
	calls  map[string]int
}

type response struct {
	code int
	err  error
}

func newFakeGetter(script map[string][]response) *fakeGetter {
	return &fakeGetter{script: script, calls: map[string]int{}}
}

func (f *fakeGetter) get(ctx context.Context, url string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	s, ok := f.script[url]
	if !ok {
		return 0, errors.New("unexpected URL " + url)
	}
	i := f.calls[url]
	f.calls[url]++
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i].code, s[i].err
}

func (f *fakeGetter) count(url string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[url]
}

// recorder collects the healthy callbacks.
type recorder struct {
	mu    sync.Mutex
	names []string
}

func (r *recorder) healthy(c Check, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, c.Name)
}

func (r *recorder) sorted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.names...)
	sort.Strings(out)
	return out
}

var checks = ComponentChecks("10.0.0.1", 6443)

func TestWaitAllHealthy(t *testing.T) {
	ok := []response{{code: http.StatusOK}}
	g := newFakeGetter(map[string][]response{
		checks[0].URL: ok,
		checks[1].URL: ok,
		checks[2].URL: ok,
	})
	var rec recorder
	if err := WaitAll(context.Background(), g.get, checks, 5*time.Second, 10*time.Millisecond, rec.healthy); err != nil {
		t.Fatalf("WaitAll: %v", err)
	}
	if got, want := rec.sorted(), []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("healthy reported for %v, want %v", got, want)
	}
	for _, c := range checks {
		if n := g.count(c.URL); n != 1 {
			t.Fatalf("%s polled %d times, want 1", c.Name, n)
		}
	}
}

func TestWaitAllEventuallyHealthy(t *testing.T) {
	g := newFakeGetter(map[string][]response{
		checks[0].URL: {{err: errors.New("connection refused")}, {code: 500}, {code: 403}, {code: http.StatusOK}},
		checks[1].URL: {{code: http.StatusServiceUnavailable}, {code: http.StatusOK}},
		checks[2].URL: {{code: http.StatusOK}},
	})
	var rec recorder
	if err := WaitAll(context.Background(), g.get, checks, 10*time.Second, 5*time.Millisecond, rec.healthy); err != nil {
		t.Fatalf("WaitAll: %v", err)
	}
	if n := g.count(checks[0].URL); n != 4 {
		t.Fatalf("apiserver polled %d times, want 4", n)
	}
	if len(rec.sorted()) != 3 {
		t.Fatalf("healthy reported %v", rec.sorted())
	}
}

func TestWaitAllOneNeverHealthy(t *testing.T) {
	tests := []struct {
		name    string
		resp    response
		wantErr string
	}{
		{"status", response{code: http.StatusInternalServerError}, "status 500"},
		{"error", response{err: errors.New("connect: connection refused")}, "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGetter(map[string][]response{
				checks[0].URL: {{code: http.StatusOK}},
				checks[1].URL: {{code: http.StatusOK}},
				checks[2].URL: {tc.resp},
			})
			var rec recorder
			const timeout = 300 * time.Millisecond
			start := time.Now()
			err := WaitAll(context.Background(), g.get, checks, timeout, 20*time.Millisecond, rec.healthy)
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("WaitAll succeeded with an unhealthy scheduler")
			}
			if elapsed < timeout {
				t.Fatalf("WaitAll gave up after %s, before the %s timeout", elapsed, timeout)
			}
			if elapsed > timeout+5*time.Second {
				t.Fatalf("WaitAll returned %s after the timeout", elapsed-timeout)
			}
			msg := err.Error()
			for _, want := range []string{"kube-scheduler", "https://127.0.0.1:10259/livez", tc.wantErr, timeout.String()} {
				if !strings.Contains(msg, want) {
					t.Fatalf("error %q does not mention %q", msg, want)
				}
			}
			for _, healthy := range []string{"kube-apiserver", "kube-controller-manager"} {
				if strings.Contains(msg, healthy) {
					t.Fatalf("error %q names the healthy %s", msg, healthy)
				}
			}
			if got, want := rec.sorted(), []string{"kube-apiserver", "kube-controller-manager"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("healthy reported for %v, want %v", got, want)
			}
			if n := g.count(checks[2].URL); n < 2 {
				t.Fatalf("scheduler polled %d times, want repeated polls", n)
			}
		})
	}
}

func TestWaitAllSeveralUnhealthy(t *testing.T) {
	g := newFakeGetter(map[string][]response{
		checks[0].URL: {{code: 500}},
		checks[1].URL: {{code: http.StatusOK}},
		checks[2].URL: {{code: 503}},
	})
	err := WaitAll(context.Background(), g.get, checks, 100*time.Millisecond, 10*time.Millisecond, nil)
	if err == nil {
		t.Fatal("WaitAll succeeded")
	}
	for _, want := range []string{"kube-apiserver", "https://10.0.0.1:6443/livez", "kube-scheduler", "status 503", "status 500"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not mention %q", err, want)
		}
	}
}

func TestWaitAllNoChecks(t *testing.T) {
	if err := WaitAll(context.Background(), nil, nil, time.Second, time.Millisecond, nil); err != nil {
		t.Fatalf("WaitAll with no checks = %v", err)
	}
}

func TestWaitAllParentCancelled(t *testing.T) {
	g := newFakeGetter(map[string][]response{checks[0].URL: {{code: 500}}})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := WaitAll(ctx, g.get, checks[:1], time.Minute, 10*time.Millisecond, nil)
	if err == nil || !strings.Contains(err.Error(), "kube-apiserver") {
		t.Fatalf("WaitAll = %v, want an error naming kube-apiserver", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("WaitAll ignored the cancellation for %s", time.Since(start))
	}
}

func TestHTTPGetBadURL(t *testing.T) {
	if _, err := HTTPGet(context.Background(), "://bad"); err == nil {
		t.Fatal("HTTPGet of a malformed URL succeeded")
	}
}

// TestWaitAllKeepsLastRealError: a probe cut short by the deadline (as an
// HTTP request in flight is) must not hide the component's last real error.
func TestWaitAllKeepsLastRealError(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	get := func(ctx context.Context, url string) (int, error) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			return 0, errors.New("dial tcp 127.0.0.1:10259: connect: connection refused")
		}
		<-ctx.Done() // hangs until the deadline
		return 0, ctx.Err()
	}
	err := WaitAll(context.Background(), get, checks[2:], 100*time.Millisecond, time.Millisecond, nil)
	if err == nil {
		t.Fatal("WaitAll succeeded")
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %q lost the last real error (connection refused)", err)
	}
}

// TestConnectionsPerProbe checks KeepAliveGet polls a healthy endpoint over
// one TLS connection, and HTTPGet opens a new one for every probe.
func TestConnectionsPerProbe(t *testing.T) {
	for _, tc := range []struct {
		name string
		get  Getter
		want int64
	}{
		{"KeepAliveGet", KeepAliveGet, 1},
		{"HTTPGet", HTTPGet, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte("ok"))
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.StartTLS()
			defer srv.Close()
			for range 5 {
				code, err := tc.get(context.Background(), srv.URL+"/livez")
				if err != nil || code != http.StatusOK {
					t.Fatalf("status %d, %v", code, err)
				}
			}
			if got := conns.Load(); got != tc.want {
				t.Errorf("%d connections for 5 probes, want %d", got, tc.want)
			}
		})
	}
}
