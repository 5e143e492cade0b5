package host

import (
	"context"
	"errors"
	"strings"
	"testing"
)

var _ InitSystem = Systemd{}

// ctxKey marks the context a test passes, to see that it reaches Exec.
type ctxKey struct{}

func TestSystemdKubeletCommands(t *testing.T) {
	cases := []struct {
		name    string
		call    func(Systemd, context.Context) error
		want    string
		out     string
		fail    error
		wantErr string
	}{
		{name: "stop", call: Systemd.StopKubelet, want: "systemctl stop kubelet"},
		{name: "restart", call: Systemd.RestartKubelet, want: "systemctl restart kubelet"},
		{name: "stop fails", call: Systemd.StopKubelet, want: "systemctl stop kubelet", out: "Failed to stop kubelet.service: Unit kubelet.service not loaded.\n",
			fail: errors.New("exit status 5"), wantErr: "systemctl stop kubelet: exit status 5: Failed to stop kubelet.service: Unit kubelet.service not loaded."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.WithValue(context.Background(), ctxKey{}, c.name)
			var ran string
			s := Systemd{Exec: func(got context.Context, name string, args ...string) ([]byte, error) {
				if got.Value(ctxKey{}) != c.name {
					t.Errorf("Exec did not get the caller's context")
				}
				ran = strings.Join(append([]string{name}, args...), " ")
				return []byte(c.out), c.fail
			}}
			err := c.call(s, ctx)
			if ran != c.want {
				t.Errorf("ran %q, want %q", ran, c.want)
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("err = %v", err)
			case c.wantErr != "" && (err == nil || err.Error() != c.wantErr):
				t.Errorf("err = %v, want %q", err, c.wantErr)
			}
		})
	}
}

// TestSystemdRealExecEndsWithContext runs a real command under a context
// that is already done: exec.CommandContext refuses to start it.
func TestSystemdRealExecEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Systemd{}).exec(ctx, "true"); !errors.Is(err, context.Canceled) {
		t.Fatalf("exec under a cancelled context = %v, want context.Canceled", err)
	}
}
