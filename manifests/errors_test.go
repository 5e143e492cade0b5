package manifests

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestBuildErrors(t *testing.T) {
	external := defaultConfig()
	external.Etcd = kubeadm.Etcd{External: &kubeadm.ExternalEtcd{Endpoints: []string{"https://e:2379"}}}
	noDir := defaultConfig()
	noDir.CertificatesDir = ""
	rootless := defaultConfig()
	rootless.FeatureGates = map[string]bool{RootlessControlPlane: true}

	for name, build := range map[string]func() error{
		"nil config": func() error { _, err := debianHost.Scheduler(nil); return err },
		"no certificatesDir": func() error {
			_, err := debianHost.ControllerManager(noDir)
			return err
		},
		"no endpoint": func() error {
			_, err := debianHost.APIServer(defaultConfig(), kubeadm.APIEndpoint{})
			return err
		},
		"external etcd": func() error { _, err := debianHost.Etcd(external, defaultNode); return err },
		"bad state": func() error {
			_, err := debianHost.Etcd(defaultConfig(), EtcdNode{Name: "a", AdvertiseAddress: "10.0.0.1", InitialClusterState: "old"})
			return err
		},
		"existing without members": func() error {
			_, err := debianHost.Etcd(defaultConfig(), EtcdNode{Name: "a", AdvertiseAddress: "10.0.0.1", InitialClusterState: EtcdClusterExisting})
			return err
		},
		"unsupported version": func() error {
			cfg := defaultConfig()
			cfg.KubernetesVersion = "v1.20.0"
			_, err := debianHost.Etcd(cfg, defaultNode)
			return err
		},
		"rootless without IDs": func() error { _, err := debianHost.Scheduler(rootless); return err },
	} {
		err := build()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), "manifest") {
			t.Errorf("%s: error %q does not say which manifest failed", name, err)
		}
	}

	_, err := debianHost.Scheduler(rootless)
	if !errors.Is(err, errNoNonRootIDs) {
		t.Errorf("rootless error %v does not wrap errNoNonRootIDs", err)
	}
}

func TestExplicitNewStateWritesNoFlag(t *testing.T) {
	node := defaultNode
	node.InitialClusterState = EtcdClusterNew
	pod, err := debianHost.Etcd(defaultConfig(), node)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range pod.Spec.Containers[0].Command {
		if strings.HasPrefix(a, "--initial-cluster-state") {
			t.Errorf("unexpected %s for a new cluster", a)
		}
	}
}
