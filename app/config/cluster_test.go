package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestLoadCluster(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := file("good.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDir: /srv/pki\n")
	bad := file("bad.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDir: relative\n")
	fromCluster := func(dir string) func(context.Context) (*kubeadm.ClusterConfiguration, error) {
		return func(context.Context) (*kubeadm.ClusterConfiguration, error) {
			return &kubeadm.ClusterConfiguration{CertificatesDir: dir, KubernetesVersion: "v1.30.0"}, nil
		}
	}
	failing := func(context.Context) (*kubeadm.ClusterConfiguration, error) {
		return nil, errors.New("connection refused")
	}
	tests := []struct {
		name    string
		path    string
		fetch   func(context.Context) (*kubeadm.ClusterConfiguration, error)
		source  ClusterSource
		dir     string
		fetchOK bool
		err     string
	}{
		{name: "file", path: good, fetch: failing, source: FromFile, dir: "/srv/pki", fetchOK: true},
		{name: "invalid file", path: bad, err: "certificatesDir"},
		{name: "missing file", path: filepath.Join(dir, "nope.yaml"), err: "nope.yaml"},
		{name: "cluster, any version", fetch: fromCluster("/var/pki"), source: FromCluster, dir: "/var/pki", fetchOK: true},
		{name: "cluster with relative dir", fetch: fromCluster("pki"), err: "absolute"},
		{name: "cluster down", fetch: failing, source: FromDefaults, dir: "/etc/kubernetes/pki"},
		{name: "nothing", source: FromDefaults, dir: "/etc/kubernetes/pki", fetchOK: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadCluster(context.Background(), tc.path, tc.fetch)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Source != tc.source || got.Cluster.CertificatesDir != tc.dir || (got.FetchErr == nil) != tc.fetchOK {
				t.Errorf("got %+v (dir %s)", got, got.Cluster.CertificatesDir)
			}
			if got.Cluster.CertificateValidityPeriod == nil || got.Cluster.ClusterName == "" {
				t.Error("defaults not applied")
			}
		})
	}
}

func TestNoCRI(t *testing.T) {
	c := NewInit()
	if err := c.Default(NoCRI{host{criErr: errors.New("no runtime")}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Init.NodeRegistration.CRISocket != "unix:///var/run/containerd/containerd.sock" || c.Init.NodeRegistration.Name != "node-1" {
		t.Errorf("node registration %+v", c.Init.NodeRegistration)
	}
}
