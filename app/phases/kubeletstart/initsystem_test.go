package kubeletstart

import (
	"errors"
	"strings"
	"testing"
)

var _ InitSystem = Systemd{}

func TestSystemdKubeletCommands(t *testing.T) {
	cases := []struct {
		name    string
		call    func(Systemd) error
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
			var ran string
			s := Systemd{Exec: func(name string, args ...string) ([]byte, error) {
				ran = strings.Join(append([]string{name}, args...), " ")
				return []byte(c.out), c.fail
			}}
			err := c.call(s)
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
