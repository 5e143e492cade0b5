package initflow

import (
	"os"
	"path/filepath"
	"testing"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// kubeconfigFor is a kubeconfig naming server.
func kubeconfigFor(server string) string {
	return `apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    server: ` + server + `
    insecure-skip-tls-verify: true
contexts:
- name: admin@kubernetes
  context: {cluster: kubernetes, user: admin}
current-context: admin@kubernetes
users:
- name: admin
  user: {token: abc}
`
}

// hostOf is where a clientset sends its requests.
func hostOf(t *testing.T, c clientset.Interface) string {
	t.Helper()
	return c.CoreV1().RESTClient().Get().URL().Host
}

// TestClientsUseLocalEndpoint: with the run's own admin.conf and
// super-admin.conf, which name the controlPlaneEndpoint, init's clients go
// to this node's API server; the files stay as they are; a --kubeconfig of
// another file is used as it is.
func TestClientsUseLocalEndpoint(t *testing.T) {
	const lb = "https://lb.example.com:6443"
	tests := []struct {
		name       string
		advertise  string
		bindPort   int32
		kubeconfig string // "" the default, "admin" the default path spelled out, else a file name in the temp dir
		wantAdmin  string
		wantSuper  string
	}{
		{"default admin.conf", "10.0.0.5", 6443, "", "10.0.0.5:6443", "10.0.0.5:6443"},
		{"other bind port", "10.0.0.5", 8443, "", "10.0.0.5:8443", "10.0.0.5:8443"},
		{"IPv6", "fd00::5", 6443, "", "[fd00::5]:6443", "[fd00::5]:6443"},
		{"admin.conf passed explicitly", "10.0.0.5", 6443, "admin", "10.0.0.5:6443", "10.0.0.5:6443"},
		{"another kubeconfig", "10.0.0.5", 6443, "user.conf", "user.example.com:443", "10.0.0.5:6443"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kubeDir := t.TempDir()
			files := map[string]string{
				filepath.Join(kubeDir, constants.AdminKubeConfig):      kubeconfigFor(lb),
				filepath.Join(kubeDir, constants.SuperAdminKubeConfig): kubeconfigFor(lb),
				filepath.Join(kubeDir, "user.conf"):                    kubeconfigFor("https://user.example.com:443"),
			}
			for p, c := range files {
				if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg := config.NewInit()
			cfg.Init.LocalAPIEndpoint.AdvertiseAddress, cfg.Init.LocalAPIEndpoint.BindPort = tc.advertise, tc.bindPort
			d := &Data{cfg: cfg, kubeDir: kubeDir}
			d.Deps.defaults() // real clients, never used: only their addresses are read
			switch tc.kubeconfig {
			case "":
			case "admin":
				d.Kubeconfig = filepath.Join(kubeDir, ".", constants.AdminKubeConfig)
			default:
				d.Kubeconfig = filepath.Join(kubeDir, tc.kubeconfig)
			}
			admin, err := d.Client(progress.Phase{})
			if err != nil {
				t.Fatal(err)
			}
			if got := hostOf(t, admin); got != tc.wantAdmin {
				t.Errorf("admin client goes to %s, want %s", got, tc.wantAdmin)
			}
			super, err := d.superAdminClient()
			if err != nil {
				t.Fatal(err)
			}
			if got := hostOf(t, super); got != tc.wantSuper {
				t.Errorf("super-admin client goes to %s, want %s", got, tc.wantSuper)
			}
			for p, c := range files {
				if b, _ := os.ReadFile(p); string(b) != c {
					t.Errorf("%s changed", p)
				}
			}
		})
	}
}
