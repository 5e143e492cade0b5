package joinflow

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/fake"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// fakeDiscovery stands for token discovery: it yields what discovery
// yields (the cluster, the TLS bootstrap kubeconfig, the kubelet
// configuration and a bootstrap client) and counts its calls.
func fakeDiscovery(certsDir string, calls *int) func(context.Context, *Data) error {
	return func(_ context.Context, d *Data) error {
		*calls++
		cluster := &kubeadm.ClusterConfiguration{ControlPlaneEndpoint: "10.200.0.1:6443", CertificatesDir: certsDir}
		kubeadm.SetClusterDefaults(cluster)
		boot := clientcmdapi.NewConfig()
		boot.Clusters[constants.DefaultClusterName] = &clientcmdapi.Cluster{Server: "https://10.200.0.1:6443", CertificateAuthorityData: []byte("ca")}
		d.tlsBootstrap, d.cluster, d.kubeletCfg, d.bootstrap = boot, cluster, &kubeletv1beta1.KubeletConfiguration{}, fake.NewSimpleClientset()
		return nil
	}
}

// TestEachSkippedPhase runs a dry-run join, worker and control plane, with
// each phase skipped in turn: no run panics, and each either completes or
// fails with a one-line error. Discovery happens once, whichever phase
// first needs it, also when preflight (which discovers) is skipped.
func TestEachSkippedPhase(t *testing.T) {
	names := (&workflow.Runner[*Data]{Phases: Phases()}).Names()
	for _, controlPlane := range []bool{false, true} {
		for _, skip := range names {
			t.Run(fmt.Sprintf("controlPlane=%v/skip=%s", controlPlane, skip), func(t *testing.T) {
				dir := t.TempDir()
				if controlPlane { // the shared certificates, as copied from a control plane
					first := &kubeadm.ClusterConfiguration{CertificatesDir: t.TempDir()}
					kubeadm.SetClusterDefaults(first)
					if _, err := certs.Run(certs.Inputs{Cluster: first, NodeName: "cp1", AdvertiseAddress: "10.200.0.11"}); err != nil {
						t.Fatal(err)
					}
					for _, f := range uploadcerts.Files(true) {
						b, err := os.ReadFile(filepath.Join(first.CertificatesDir, f))
						if err == nil {
							err = atomicfile.Write(filepath.Join(dir, "pki", f), b, 0o600)
						}
						if err != nil {
							t.Fatal(err)
						}
					}
				}
				j := &kubeadm.JoinConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{Name: "w1", CRISocket: config.DefaultCRISocket},
					CACertPath: filepath.Join(dir, "pki", "ca.crt"),
					Discovery:  kubeadm.Discovery{BootstrapToken: &kubeadm.BootstrapTokenDiscovery{APIServerEndpoint: "10.200.0.1:6443", Token: "abcdef.0123456789abcdef", UnsafeSkipCAVerification: true}}}
				if controlPlane {
					j.ControlPlane = &kubeadm.JoinControlPlane{LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: "10.200.0.12", BindPort: 6443}}
				}
				kubeadm.SetJoinDefaults(j)
				calls := 0
				o := Options{Config: &config.Join{Join: j}, DryRun: true, IgnorePreflightErrors: []string{"all"}, SkipPhases: []string{skip},
					Out: &progress.Human{W: io.Discard}, Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: dir, KubeletDir: filepath.Join(dir, "kubelet")}}}
				t.Setenv("KUBEADM_JOIN_DRYRUN_DIR", filepath.Join(dir, "dryrun"))
				d, err := NewData(o)
				if err != nil {
					t.Fatal(err)
				}
				d.discoverFn = fakeDiscovery(filepath.Join(dir, "pki"), &calls)
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("join panicked with %s skipped: %v", skip, r)
						}
					}()
					err = Runner(o.Out).Run(context.Background(), d, o.SkipPhases)
				}()
				t.Logf("outcome: %v (discovered %d times)", err, calls)
				if err != nil && strings.Contains(err.Error(), "\n") {
					t.Errorf("the error is not one line: %q", err)
				}
				if calls > 1 {
					t.Errorf("discovery ran %d times", calls)
				}
				if err == nil && calls != 1 {
					t.Errorf("a join that completed discovered the cluster %d times", calls)
				}
			})
		}
	}
}
