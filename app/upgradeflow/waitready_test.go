package upgradeflow

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	kubeadmapi "github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// TestWaitLocalReady checks that preflight waits until this node's API
// server answers /readyz with 200 (refused connections and 403s of a
// starting server in between), at its advertise address and port, and
// gives up at the API call timeout.
func TestWaitLocalReady(t *testing.T) {
	timeouts := kubeadmapi.SetTimeoutDefaults(nil)
	timeouts.KubernetesAPICall.Duration = 3 * time.Second
	for _, tc := range []struct {
		name    string
		answers []int // 0: connection refused
		want    int   // calls made
	}{
		{"ready at once", []int{200}, 1},
		{"starting", []int{0, 403, 200}, 3},
		{"never ready", []int{0}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			var urls []string
			d := &Data{Options: Options{Timeouts: timeouts, Deps: Deps{HTTPGet: func(_ context.Context, url string) (int, error) {
				urls = append(urls, url)
				code := tc.answers[min(calls, len(tc.answers)-1)]
				calls++
				if code == 0 {
					return 0, errors.New("connect: connection refused")
				}
				return code, nil
			}}}}
			d.lcp.Endpoint = kubeadmapi.APIEndpoint{AdvertiseAddress: "10.200.0.11", BindPort: 6443}
			start := time.Now()
			d.waitLocalReady(context.Background(), progress.Phase{R: &progress.Human{W: io.Discard}, Name: "preflight"})
			if tc.want > 0 && calls != tc.want {
				t.Errorf("%d calls, want %d", calls, tc.want)
			}
			if tc.want < 0 && time.Since(start) < 3*time.Second {
				t.Errorf("gave up after %v, before the API call timeout", time.Since(start))
			}
			if urls[0] != "https://10.200.0.11:6443/readyz" {
				t.Errorf("asked %s", urls[0])
			}
		})
	}
}
