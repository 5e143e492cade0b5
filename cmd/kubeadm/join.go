package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/joinflow"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// joinFlags are join's command-line options.
type joinFlags struct {
	configPath            string
	token                 string
	discoveryToken        string
	caCertHashes          []string
	unsafeSkipCA          bool
	discoveryFile         string
	tlsBootstrapToken     string
	controlPlane          bool
	certificateKey        string
	advertiseAddress      string
	bindPort              int32
	nodeName              string
	criSocket             string
	ignorePreflightErrors []string
	skipPhases            []string
	dryRun                bool
	patches               string
	output                string
}

func (f *joinFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.configPath, "config", "", "Path to a kubeadm configuration file.")
	fs.StringVar(&f.token, "token", "", "Use this token for both discovery-token and tls-bootstrap-token when those values are not provided.")
	fs.StringVar(&f.discoveryToken, "discovery-token", "", "For token-based discovery, the token used to validate cluster information fetched from the API server.")
	fs.StringSliceVar(&f.caCertHashes, "discovery-token-ca-cert-hash", nil, `For token-based discovery, validate that the root CA public key matches this hash (format: "sha256:<hex>").`)
	fs.BoolVar(&f.unsafeSkipCA, "discovery-token-unsafe-skip-ca-verification", false, "For token-based discovery, allow joining without --discovery-token-ca-cert-hash pinning.")
	fs.StringVar(&f.discoveryFile, "discovery-file", "", "For file-based discovery, a file or URL from which to load cluster information.")
	fs.StringVar(&f.tlsBootstrapToken, "tls-bootstrap-token", "", "Specify the token used to temporarily authenticate with the Kubernetes Control Plane while joining the node.")
	fs.BoolVar(&f.controlPlane, "control-plane", false, "Create a new control plane instance on this node")
	fs.StringVar(&f.certificateKey, "certificate-key", "", "Use this key to decrypt the certificate secrets uploaded by init. The certificate key is a hex encoded string that is an AES key of size 32 bytes.")
	fs.StringVar(&f.advertiseAddress, "apiserver-advertise-address", "", "If the node should host a new control plane instance, the IP address the API Server will advertise it's listening on. If not set the default network interface will be used.")
	fs.Int32Var(&f.bindPort, "apiserver-bind-port", 6443, "If the node should host a new control plane instance, the port for the API Server to bind to.")
	fs.StringVar(&f.nodeName, "node-name", "", "Specify the node name.")
	fs.StringVar(&f.criSocket, "cri-socket", "", "Path to the CRI socket to connect. If empty kubeadm will try to auto-detect this value; use this option only if you have more than one CRI installed or if you have non-standard CRI socket.")
	fs.StringSliceVar(&f.ignorePreflightErrors, "ignore-preflight-errors", nil, "A list of checks whose errors will be shown as warnings. Example: 'IsPrivilegedUser,Swap'. Value 'all' ignores errors from all checks.")
	fs.StringSliceVar(&f.skipPhases, "skip-phases", nil, "List of phases to be skipped")
	fs.BoolVar(&f.dryRun, "dry-run", false, "Don't apply any changes; just output what would be done.")
	fs.StringVar(&f.patches, "patches", "", "Path to a directory that contains files named \"target[suffix][+patchtype].extension\".")
	fs.StringVarP(&f.output, "output", "o", "text", "Progress output format: text or json.")
}

func (f *joinFlags) loadConfig(fs *pflag.FlagSet, args []string) (*config.Join, error) {
	var cfg *config.Join
	if f.configPath != "" {
		bad := mixedWithConfig(fs)
		if len(bad) > 0 || len(args) > 0 {
			return nil, fmt.Errorf("can not mix '--config' with arguments %v %v: put them in the configuration file", args, bad)
		}
		var err error
		if cfg, err = config.LoadJoinFile(f.configPath); err != nil {
			return nil, err
		}
	} else {
		cfg = config.NewJoin()
		j := cfg.Join
		j.NodeRegistration.CRISocket = f.criSocket
		discoveryToken, tlsToken := f.discoveryToken, f.tlsBootstrapToken
		if discoveryToken == "" {
			discoveryToken = f.token
		}
		if tlsToken == "" {
			tlsToken = f.token
		}
		j.Discovery.TLSBootstrapToken = tlsToken
		switch {
		case f.discoveryFile != "":
			if err := fileDiscoveryAlone(fs, args); err != nil {
				return nil, err
			}
			j.Discovery.File = &kubeadm.FileDiscovery{KubeConfigPath: f.discoveryFile}
		default:
			endpoint := ""
			if len(args) > 0 {
				endpoint = args[0]
			}
			j.Discovery.BootstrapToken = &kubeadm.BootstrapTokenDiscovery{Token: discoveryToken, APIServerEndpoint: endpoint,
				CACertHashes: f.caCertHashes, UnsafeSkipCAVerification: f.unsafeSkipCA}
		}
		if f.controlPlane {
			j.ControlPlane = &kubeadm.JoinControlPlane{
				LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: f.advertiseAddress, BindPort: f.bindPort},
				CertificateKey:   f.certificateKey,
			}
		} else if f.certificateKey != "" {
			return nil, fmt.Errorf("--certificate-key is only used with --control-plane")
		}
		if f.patches != "" {
			j.Patches = &kubeadm.Patches{Directory: f.patches}
		}
	}
	if fs.Changed("node-name") {
		cfg.Join.NodeRegistration.Name = f.nodeName
	}
	nr := &cfg.Join.NodeRegistration
	ignore, err := kubeadm.MergeIgnorePreflightErrors(f.ignorePreflightErrors, nr.IgnorePreflightErrors)
	if err != nil {
		return nil, err
	}
	nr.IgnorePreflightErrors = ignore
	if err := cfg.Default(localHost); err != nil {
		return nil, err
	}
	if f.dryRun || cfg.Join.DryRun {
		cfg.NoRuntimeNeeded()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// fileDiscoveryAlone refuses token-discovery input beside --discovery-file:
// the file gives the cluster's address and CA, so an endpoint, a discovery
// token or CA pins would be silently ignored. --token and
// --tls-bootstrap-token stay allowed: they are the TLS bootstrap token.
func fileDiscoveryAlone(fs *pflag.FlagSet, args []string) error {
	var bad []string
	if len(args) > 0 {
		bad = append(bad, "the API server endpoint "+args[0])
	}
	for _, name := range []string{"discovery-token", "discovery-token-ca-cert-hash", "discovery-token-unsafe-skip-ca-verification"} {
		if fs.Changed(name) {
			bad = append(bad, "--"+name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("--discovery-file cannot be combined with %s: file discovery takes the cluster's address and CA from the file (use --token or --tls-bootstrap-token for the TLS bootstrap)", strings.Join(bad, ", "))
}

func newJoin(s streams) *cobra.Command {
	f := &joinFlags{}
	cmd := &cobra.Command{
		Use:   "join [api-server-endpoint]",
		Short: "Run this on any machine you wish to join an existing cluster",
		Long: `When joining a kubeadm initialized cluster, we need to establish
bidirectional trust. This is split into discovery (having the Node
trust the Kubernetes Control Plane) and TLS bootstrap (having the
Kubernetes Control Plane trust the Node).

There are 2 main schemes for discovery. The first is to use a shared
token along with the IP address of the API server. The second is to
provide a file - a subset of the standard kubeconfig file. The
discovery/kubeconfig file supports token, client-go authentication
plugins ("exec"), "tokenFile", and "authProvider". This file can be a
local file or downloaded via an HTTPS URL. The forms are
kubeadm join --discovery-token abcdef.1234567890abcdef 1.2.3.4:6443,
kubeadm join --discovery-file path/to/file.conf, or kubeadm join
--discovery-file https://url/file.conf. Only one form can be used. If
the discovery information is loaded from a URL, HTTPS must be used.

If you use a shared token for discovery, you should also pass the
--discovery-token-ca-cert-hash flag to validate the public key of the
root certificate authority (CA) presented by the Kubernetes Control Plane.
Its value is "sha256:<hex>", the SHA-256 of the CA certificate's Subject
Public Key Info (RFC 7469); 'kubeadm init' prints it. Give the flag more than
once to accept any of several CAs. --discovery-token-unsafe-skip-ca-verification
joins without the check instead, which lets anyone who can answer for the API
server's address pose as the control plane.

The TLS bootstrap also uses a shared token (--tls-bootstrap-token): it
authenticates the node while it asks for its client certificate, which the
control plane approves automatically. --token sets the discovery and the TLS
bootstrap token at once, the usual case.

A joining control plane's etcd member is added as a learner and promoted
once in sync; joins of several control planes at once take turns.

The "join" command executes the following phases:
` + phaseList(joinflow.Phases()),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runJoin(cmd, s, f, args, "") },
	}
	f.register(cmd.Flags())
	cmd.AddCommand(newPhaseCommandFor(joinflow.Phases(), "join", f.register, func(cmd *cobra.Command, path string, args []string) error {
		return runJoin(cmd, s, f, args, path)
	}))
	return cmd
}

func runJoin(cmd *cobra.Command, s streams, f *joinFlags, args []string, phase string) error {
	out, err := reporter(f.output, s)
	if err != nil {
		return err
	}
	if err := (&workflow.Runner[*joinflow.Data]{Phases: joinflow.Phases()}).CheckNames(f.skipPhases); err != nil {
		return fmt.Errorf("--skip-phases: %w", err)
	}
	cfg, err := f.loadConfig(cmd.Flags(), args)
	if err != nil {
		return err
	}
	if f.configPath != "" {
		progress.Detail(out, "", "read the configuration file "+f.configPath)
	}
	for _, w := range cfg.Warnings {
		out.Warn("", w)
	}
	opts := joinflow.Options{Config: cfg, DryRun: f.dryRun || cfg.Join.DryRun, SkipPhases: f.skipPhases, Out: out}
	var d *joinflow.Data
	if phase == "" {
		d, err = joinflow.Run(cmd.Context(), opts)
	} else {
		d, err = joinflow.RunPhase(cmd.Context(), opts, phase)
	}
	if err != nil {
		return err
	}
	if f.output == "json" {
		out.Result(map[string]any{"nodeName": cfg.Join.NodeRegistration.Name, "controlPlane": cfg.Join.ControlPlane != nil, "dryRunDir": d.DryRunDir})
	} else if phase == "" {
		if cfg.Join.ControlPlane != nil {
			fmt.Fprintf(s.out, "\nThis node has joined the cluster and a new control plane instance was created.\n\nRun 'kubectl get nodes' to see this node join the cluster.\n")
		} else {
			fmt.Fprintf(s.out, "\nThis node has joined the cluster: the kubelet has finished its TLS bootstrap.\n\nRun 'kubectl get nodes' on the control plane to see this node join the cluster.\n")
		}
	}
	return nil
}
