// Package initflow is `kubeadm init`: the typed data its phases share and
// the phase table, in upstream's names and order. The command layer parses
// flags into Options and calls Run or RunPhase; phases report through the
// progress reporter and never print.
package initflow

import (
	"context"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clientset "k8s.io/client-go/kubernetes"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/showjoin"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
)

// Options are what the init command passes in.
type Options struct {
	Config                  *config.Init // defaulted and validated
	DryRun                  bool
	IgnorePreflightErrors   []string
	SkipPhases              []string
	UploadCerts             bool
	CertificateKey          string
	SkipTokenPrint          bool
	SkipCertificateKeyPrint bool
	Out                     progress.Reporter
	// Kubeconfig is the credential of the API phases run alone (their
	// --kubeconfig); "" is the run's admin.conf.
	Kubeconfig string
	// KubeconfigDir is where the kubeconfig phase writes (its
	// --kubeconfig-dir); "" is /etc/kubernetes (or the dry-run directory).
	KubeconfigDir string
	// PrintManifest, when set, receives the addon phases' objects instead
	// of the API server (their --print-manifest).
	PrintManifest io.Writer
	// Deps are injected for tests; zero fields mean this machine's.
	Deps
}

// Data is what init's phases share.
type Data struct {
	Options
	cfg *config.Init
	// Paths where this run writes; in dry-run they are under DryRunDir.
	kubeDir, certsDir, manifestsDir, kubeletDir string
	patches                                     *patches.Set
	DryRunDir                                   string
	client                                      clientset.Interface
	// super is super-admin.conf's client, made on first use.
	super      clientset.Interface
	kubeletCfg *kubeletv1beta1.KubeletConfiguration
	// keys are generated ahead, in parallel, for the certs and kubeconfig phases.
	keys *pki.KeyPool
	// Result is filled by show-join-command.
	Result *JoinResult
	// rootless prepares the components' users (RootlessControlPlane).
	rootless *users.Rootless
	// holdComponents says the controller-manager's and the scheduler's
	// manifests wait for the API server (see heldManifests).
	holdComponents bool
	// heldManifests are the kube-controller-manager and kube-scheduler
	// static Pods of a whole init, written by wait-control-plane once the
	// API server is live. Started with it, both would find no API server
	// (and then no RBAC rules for them) and wait out leader election's
	// 2 s retries, which delays every controller, and so the node's
	// addons, by seconds.
	heldManifests []heldManifest
	// rootCAMade says kube-system's kube-root-ca.crt exists (ensureRootCA).
	rootCAMade bool
}

// heldManifest is a static Pod manifest written later in the run.
type heldManifest struct {
	name string
	pod  *corev1.Pod
}

// JoinResult is the machine-readable outcome of init.
type JoinResult struct {
	NodeName                string `json:"nodeName"`
	APIServerEndpoint       string `json:"apiServerEndpoint"`
	WorkerJoinCommand       string `json:"workerJoinCommand,omitempty"`
	ControlPlaneJoinCommand string `json:"controlPlaneJoinCommand,omitempty"`
	CACertHash              string `json:"caCertHash"`
	Token                   string `json:"token,omitempty"`
	CertificateKey          string `json:"certificateKey,omitempty"`
	AdminKubeconfig         string `json:"adminKubeconfig"`
	DryRunDir               string `json:"dryRunDir,omitempty"`
}

// NewData prepares a run: fills injected defaults and, in dry-run, makes
// the temporary directory every file goes to.
func NewData(o Options) (*Data, error) {
	o.Deps.defaults()
	run, err := o.Machine.Prepare("init", o.DryRun, o.Config.Init.Patches)
	if err != nil {
		return nil, err
	}
	d := &Data{Options: o, cfg: o.Config, kubeDir: run.KubeDir, manifestsDir: run.ManifestsDir, kubeletDir: run.KubeletDir,
		DryRunDir: run.DryRunDir, patches: run.Patches, certsDir: o.Config.Cluster.CertificatesDir}
	if o.DryRun {
		d.certsDir = filepath.Join(run.DryRunDir, "pki")
	}
	return d, nil
}

// startKeyPool begins generating the keys a fresh init needs: eleven for
// the certificates and five for the kubeconfig files.
func (d *Data) startKeyPool() {
	if d.keys == nil {
		d.keys = pki.NewKeyPool(d.cfg.Cluster.EncryptionAlgorithm, 16)
	}
}

// Config returns the configuration of the run.
func (d *Data) Config() *config.Init { return d.cfg }

func (d *Data) apiTimeout() time.Duration { return d.cfg.Init.Timeouts.KubernetesAPICall.Duration }

// Client returns the clientset used by the API phases: admin.conf, or in
// dry-run a fake that reports every write instead of making it.
func (d *Data) Client(out progress.Phase) (clientset.Interface, error) {
	if d.client != nil {
		return d.client, nil
	}
	if d.DryRun {
		// the node being initialised reads as registered
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: d.cfg.Init.NodeRegistration.Name}}
		d.client = apiclient.NewDryRun(func(msg string) { out.R.Info("dryrun", msg) }, node)
		return d.client, nil
	}
	c, err := d.adminClient()
	if err != nil {
		return nil, err
	}
	d.client = c
	return c, nil
}

// kubeconfigDir is where the kubeconfig phase writes.
func (d *Data) kubeconfigDir() string {
	if d.KubeconfigDir != "" && !d.DryRun {
		return d.KubeconfigDir
	}
	return d.kubeDir
}

// adminClient is the client of admin.conf. The run's own admin.conf names
// the controlPlaneEndpoint, which may be a load balancer in front of API
// servers that do not exist yet: init talks to the API server it started,
// at this node's advertise address and bind port, instead. A --kubeconfig
// other than admin.conf is used as it is.
func (d *Data) adminClient() (clientset.Interface, error) {
	path := filepath.Join(d.kubeDir, constants.AdminKubeConfig)
	if d.Kubeconfig != "" && filepath.Clean(d.Kubeconfig) != path {
		return d.clientFromFile(d.Kubeconfig, "")
	}
	return d.clientFromFile(path, d.localServer())
}

// superAdminClient talks to this node's API server as adminClient does,
// with super-admin.conf: wait-control-plane reads the components' bindings
// with it and grants kubeadm:cluster-admins its role. It is made once.
func (d *Data) superAdminClient() (clientset.Interface, error) {
	if d.super != nil {
		return d.super, nil
	}
	c, err := d.clientFromFile(filepath.Join(d.kubeDir, constants.SuperAdminKubeConfig), d.localServer())
	if err != nil {
		return nil, err
	}
	d.super = c
	return c, nil
}

// localServer is the URL of the API server this node runs.
func (d *Data) localServer() string {
	ep := d.cfg.Init.LocalAPIEndpoint
	return "https://" + net.JoinHostPort(ep.AdvertiseAddress, strconv.Itoa(int(ep.BindPort)))
}

// caCert reads the cluster CA this run uses.
func (d *Data) caCert() (*x509.Certificate, error) {
	return pki.ReadCert(d.certsDirFor("ca"), constants.CACertAndKeyBaseName)
}

// certsDirFor returns where a file is: the run's directory when written
// there, else the configured one (dry-run reads existing files in place).
func (d *Data) certsDirFor(base string) string {
	if _, err := os.Stat(pki.CertPath(d.certsDir, base)); err == nil {
		return d.certsDir
	}
	return d.cfg.Cluster.CertificatesDir
}

// endpoint is where nodes reach the API: the controlPlaneEndpoint, or this
// node's advertise address and port.
// A controlPlaneEndpoint without a port gets the local bind port, as
// upstream gives it, so that the join command has host:port.
func (d *Data) endpoint() string {
	ep := d.cfg.Init.LocalAPIEndpoint
	if cpe := d.cfg.Cluster.ControlPlaneEndpoint; cpe != "" {
		if _, _, err := net.SplitHostPort(cpe); err == nil {
			return cpe
		}
		return net.JoinHostPort(strings.Trim(cpe, "[]"), strconv.Itoa(int(ep.BindPort)))
	}
	return net.JoinHostPort(ep.AdvertiseAddress, strconv.Itoa(int(ep.BindPort)))
}

// joinCommand builds the worker or control-plane join command.
func (d *Data) joinCommand(ca *x509.Certificate, controlPlane bool) showjoin.Command {
	token := ""
	if len(d.cfg.Init.BootstrapTokens) > 0 {
		token = d.cfg.Init.BootstrapTokens[0].Token.String()
	}
	c := showjoin.Command{Endpoint: d.endpoint(), Token: token, CAHashes: []string{showjoin.CACertHash(ca)}, ControlPlane: controlPlane}
	if controlPlane {
		c.CertificateKey = d.certificateKey()
	}
	return c
}

// certificateKey is the key the control-plane join command carries: the
// run's (generated by upload-certs or given by --certificate-key), else the
// configuration file's; "" when none is known. With --skip-certificate-key-print
// it is withheld, as upstream prints it.
func (d *Data) certificateKey() string {
	key := d.CertificateKey
	if key == "" {
		key = d.cfg.Init.CertificateKey
	}
	if key != "" && d.SkipCertificateKeyPrint {
		return "<value withheld>"
	}
	return key
}

func withTimeout(ctx context.Context, t time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, t)
}
