package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

func TestLoadReset(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, body   string
		host         host
		wantErr      []string
		wantSocket   string
		wantWarnings []string
	}{
		{name: "defaults", body: "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\n", wantSocket: "unix:///var/run/containerd/containerd.sock"},
		{name: "bare socket", body: "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\ncriSocket: /run/crio/crio.sock\n",
			wantSocket: "unix:///run/crio/crio.sock", wantWarnings: []string{"has no URL scheme"}},
		{name: "no runtime", body: "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\n", host: host{criErr: errors.New("no container runtime found")},
			wantWarnings: []string{"no container runtime found: the pods of this node are not removed"}},
		{name: "other documents", body: "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\n",
			wantSocket: "unix:///var/run/containerd/containerd.sock", wantWarnings: []string{"the ClusterConfiguration document is ignored by reset"}},
		{name: "no reset document", body: "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n", wantErr: []string{"no ResetConfiguration document"}},
		{name: "invalid fields", body: "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\nunmountFlags: [MNT_DETACH, MNT_LAZY]\ncertificatesDir: pki\n",
			wantErr: []string{"unmountFlags[1]", `"MNT_LAZY"`, "MNT_FORCE", "certificatesDir", "absolute"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := LoadResetFile(path)
			if err == nil {
				r.Default(c.host)
				err = r.Validate()
			}
			for _, w := range c.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to say %s", err, w)
				}
			}
			if len(c.wantErr) > 0 {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Reset.CRISocket != c.wantSocket || r.Reset.CertificatesDir != "/etc/kubernetes/pki" || r.Reset.Timeouts == nil {
				t.Errorf("defaulted %+v", r.Reset)
			}
			got := strings.Join(r.Warnings, "\n")
			for _, w := range c.wantWarnings {
				if !strings.Contains(got, w) {
					t.Errorf("warnings %q lack %q", got, w)
				}
			}
		})
	}
}

// recordingHost is a node whose kubelet was set up with a CRI socket,
// where detection finds two runtimes.
type recordingHost struct {
	host
	recorded string
}

func (h recordingHost) RecordedCRISocket() string { return h.recorded }

func TestResetPrefersTheRecordedCRISocket(t *testing.T) {
	twoRuntimes := host{criErr: errors.New("found several container runtimes")}
	cases := []struct {
		name, want string
		host       Host
		warned     bool
	}{
		{"recorded socket", "unix:///var/run/crio/crio.sock", recordingHost{twoRuntimes, "unix:///var/run/crio/crio.sock"}, false},
		{"nothing recorded, detection fails", "", recordingHost{twoRuntimes, ""}, true},
		{"nothing recorded, one runtime", "unix:///var/run/containerd/containerd.sock", recordingHost{host{}, ""}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReset()
			r.Default(c.host)
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
			if r.Reset.CRISocket != c.want || (len(r.Warnings) > 0) != c.warned {
				t.Errorf("criSocket %q, warnings %v; want %q, warned %v", r.Reset.CRISocket, r.Warnings, c.want, c.warned)
			}
		})
	}
}

func TestRecordedSocketFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "instance-config.yaml")
	if s := cri.RecordedSocket(p); s != "" {
		t.Errorf("a missing file gave %q", s)
	}
	if err := os.WriteFile(p, []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncontainerRuntimeEndpoint: \"unix:///var/run/crio/crio.sock\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s := cri.RecordedSocket(p); s != "unix:///var/run/crio/crio.sock" {
		t.Errorf("got %q", s)
	}
}
