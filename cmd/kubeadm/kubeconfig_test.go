package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// runKubeconfig runs `kubeconfig <args>` on the node made by certsNode.
func runKubeconfig(dir string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	cmd := newKubeconfigIn(streams{in: strings.NewReader(""), out: &out, errOut: &errOut}, dir, func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) })
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestKubeconfigUser(t *testing.T) {
	dir := certsNode(t)
	ca, _ := pki.ReadCert(filepath.Join(dir, "pki"), "ca")
	tests := []struct {
		name   string
		args   []string
		cn     string
		orgs   string
		token  string
		warn   string
		expiry time.Time
	}{
		{name: "certificate", args: []string{"user", "--client-name", "jane", "--org", "dev,ops"}, cn: "jane", orgs: "dev,ops",
			expiry: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)},
		{name: "validity", args: []string{"user", "--client-name", "jane", "--validity-period", "2h"}, cn: "jane",
			expiry: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)},
		{name: "long validity warns", args: []string{"user", "--client-name", "jane", "--validity-period", "20000h"}, cn: "jane", warn: "longer than the default",
			expiry: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(20000 * time.Hour)},
		{name: "token", args: []string{"user", "--client-name", "bot", "--token", "abc.def"}, token: "abc.def"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := runKubeconfig(dir, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(errOut, tc.warn) || (tc.warn == "" && errOut != "") {
				t.Errorf("stderr %q, want %q", errOut, tc.warn)
			}
			cfg, err := clientcmd.Load([]byte(out))
			if err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, out)
			}
			if s, _ := kc.ServerURL(cfg); s != "https://192.0.2.10:6443" {
				t.Errorf("server %q, want admin.conf's", s)
			}
			if cas, err := kc.CACertificates(cfg); err != nil || !cas[0].Equal(ca) {
				t.Errorf("CA: %v", err)
			}
			if tc.token != "" {
				if _, u, _ := kc.CurrentAuthInfo(cfg); u.Token != tc.token {
					t.Errorf("token %q", u.Token)
				}
				return
			}
			cert, err := kc.ClientCertificate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if cert.Subject.CommonName != tc.cn || strings.Join(cert.Subject.Organization, ",") != tc.orgs || !cert.NotAfter.Equal(tc.expiry) || cert.CheckSignatureFrom(ca) != nil {
				t.Errorf("certificate %v until %v", cert.Subject, cert.NotAfter)
			}
		})
	}
}

func TestKubeconfigUserBadInput(t *testing.T) {
	dir := certsNode(t)
	tests := []struct {
		name string
		prep func()
		args []string
		want []string
	}{
		{name: "no client name", args: []string{"user"}, want: []string{"--client-name is required"}},
		{name: "bad validity", args: []string{"user", "--client-name", "x", "--validity-period", "forever"}, want: []string{"--validity-period", "not a duration"}},
		{name: "zero validity", args: []string{"user", "--client-name", "x", "--validity-period", "0s"}, want: []string{"--validity-period", "positive"}},
		{name: "org with token", args: []string{"user", "--client-name", "x", "--token", "t", "--org", "a"}, want: []string{"--org", "--token"}},
		{name: "empty org", args: []string{"user", "--client-name", "x", "--org", "a,,b"}, want: []string{"--org"}},
		{name: "argument", args: []string{"user", "--client-name", "x", "extra"}, want: []string{`unknown command "extra"`}},
		{name: "missing config", args: []string{"user", "--client-name", "x", "--config", filepath.Join(dir, "nope.yaml")}, want: []string{"nope.yaml"}},
		{name: "external CA", args: []string{"user", "--client-name", "x"}, want: []string{"ca.key is missing", "--token"},
			prep: func() { os.Remove(filepath.Join(dir, "pki", "ca.key")) }},
		{name: "no admin.conf", args: []string{"user", "--client-name", "x", "--token", "t"}, want: []string{"no API server address", "admin.conf"},
			prep: func() { os.Remove(filepath.Join(dir, "admin.conf")) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prep != nil {
				tc.prep()
			}
			out, _, err := runKubeconfig(dir, tc.args...)
			if err == nil {
				t.Fatalf("no error; stdout %q", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") || out != "" {
				t.Errorf("error %q, stdout %q", err, out)
			}
		})
	}
	if code, _, errOut := runArgs("kubeconfig", "user"); code == 0 || !strings.Contains(errOut, "--client-name is required") {
		t.Errorf("kubeadm kubeconfig user: exit %d, %q", code, errOut)
	}
}
