package initflow

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// TestEachSkippedPhase runs a dry-run init with each phase skipped in turn:
// no run panics, and each either completes or fails with a one-line error
// (a later phase that needs what the skipped one makes names it).
func TestEachSkippedPhase(t *testing.T) {
	for _, skip := range Runner(nil).Names() {
		t.Run(skip, func(t *testing.T) {
			cfg := testConfig(t)
			kubeDir := t.TempDir()
			t.Setenv("KUBEADM_INIT_DRYRUN_DIR", filepath.Join(kubeDir, "dryrun"))
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("init panicked with %s skipped: %v", skip, r)
					}
				}()
				_, err = Run(context.Background(), Options{
					Config: cfg, DryRun: true, IgnorePreflightErrors: []string{"all"}, SkipPhases: []string{skip}, Out: &progress.Human{W: io.Discard}, UploadCerts: true,
					Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: kubeDir, KubeletDir: filepath.Join(kubeDir, "kubelet")}},
				})
			}()
			t.Logf("outcome: %v", err)
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("the error is not one line: %q", err)
			}
		})
	}
}

func TestNeedsRuntime(t *testing.T) {
	cases := []struct {
		phase  string
		dryRun bool
		want   bool
	}{
		{"", false, true}, {"", true, false}, {"preflight", false, true}, {"kubelet-start", false, true},
		{"control-plane/apiserver", false, false}, {"certs", false, false}, {"addon/coredns", false, false}, {"preflight", true, false},
	}
	for _, c := range cases {
		if got := NeedsRuntime(c.phase, c.dryRun); got != c.want {
			t.Errorf("NeedsRuntime(%q, %v) = %v, want %v", c.phase, c.dryRun, got, c.want)
		}
	}
}
