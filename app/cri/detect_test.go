package cri

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name    string
		live    map[string]bool
		want    string
		wantErr []string
	}{
		{"containerd only", map[string]bool{"/var/run/containerd/containerd.sock": true}, "unix:///var/run/containerd/containerd.sock", nil},
		{"crio only", map[string]bool{"/var/run/crio/crio.sock": true}, "unix:///var/run/crio/crio.sock", nil},
		{"cri-dockerd only", map[string]bool{"/var/run/cri-dockerd.sock": true}, "unix:///var/run/cri-dockerd.sock", nil},
		{"two", map[string]bool{"/var/run/containerd/containerd.sock": true, "/var/run/crio/crio.sock": true}, "",
			[]string{"several", "containerd.sock", "crio.sock", "--cri-socket"}},
		{"none", map[string]bool{}, "", []string{"no container runtime", "containerd.sock", "crio.sock", "cri-dockerd.sock", "--cri-socket"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Detect(func(p string) bool { return c.live[p] })
			if c.wantErr == nil {
				if err != nil || got != c.want {
					t.Fatalf("Detect = %q, %v; want %q", got, err, c.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Detect = %q, want an error", got)
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	if got, warn := Normalize("/run/containerd/containerd.sock"); got != "unix:///run/containerd/containerd.sock" || warn == "" {
		t.Errorf("Normalize bare path = %q, %q", got, warn)
	}
	if got, warn := Normalize("unix:///run/crio/crio.sock"); got != "unix:///run/crio/crio.sock" || warn != "" {
		t.Errorf("Normalize URL = %q, %q", got, warn)
	}
}
