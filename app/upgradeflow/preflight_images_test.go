package upgradeflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri/crifake"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

func TestImagesCheck(t *testing.T) {
	all := []string{"registry.k8s.io/etcd:3.7.0-0", "registry.k8s.io/kube-apiserver:v1.37.1",
		"registry.k8s.io/kube-controller-manager:v1.37.1", "registry.k8s.io/kube-scheduler:v1.37.1"}
	tests := []struct {
		name    string
		present []string
		pullErr error
		dryRun  bool
		wantErr string
		pulled  bool
	}{
		{name: "all present", present: all},
		{name: "missing image pulled", present: all[:1], pulled: true},
		{name: "missing image that cannot be pulled is named", present: all[:1], pullErr: errors.New("dial tcp: no registry"), wantErr: "registry.k8s.io/kube-apiserver:v1.37.1"},
		{name: "dry run pulls nothing", present: all[:1], dryRun: true, wantErr: "dry run: not pulled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &crifake.Runtime{Images: map[string]bool{}, PullErr: tt.pullErr}
			for _, i := range tt.present {
				f.Images[i] = true
			}
			ep, stop, err := f.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			kubeletDir := t.TempDir()
			os.WriteFile(filepath.Join(kubeletDir, "instance-config.yaml"), []byte("containerRuntimeEndpoint: "+ep+"\n"), 0o600)
			d := &Data{Options: Options{Settings: Settings{EtcdUpgrade: true, DryRun: tt.dryRun}, Deps: Deps{Machine: nodeenv.Machine{KubeletDir: kubeletDir}}},
				cluster: testCluster("v1.37.1"), lcp: LocalControlPlane{Etcd: &manifests.EtcdNode{Name: "cp1", AdvertiseAddress: "10.0.0.1"}}}
			d.DetectRuntime = func() (string, error) { return "", errors.New("not asked: instance-config.yaml names the runtime") }
			d.Deps.defaults() // the runtime is dialled over the fake's socket
			_, err = d.imagesCheck(phaseOut()).Run(context.Background())
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.pulled && !f.HasImage(all[1]) {
				t.Errorf("the missing image was not pulled")
			}
			if tt.dryRun && f.HasImage(all[1]) {
				t.Errorf("a dry run pulled an image")
			}
		})
	}
}
