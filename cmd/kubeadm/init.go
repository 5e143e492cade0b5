package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/initflow"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// initFlags are init's command-line options.
type initFlags struct {
	configPath              string
	advertiseAddress        string
	bindPort                int32
	nodeName                string
	certificateKey          string
	serviceSubnet           string
	podSubnet               string
	dnsDomain               string
	controlPlaneEndpoint    string
	certDir                 string
	certSANs                []string
	criSocket               string
	kubernetesVersion       string
	imageRepository         string
	featureGates            string
	token                   string
	tokenTTL                time.Duration
	ignorePreflightErrors   []string
	skipPhases              []string
	skipTokenPrint          bool
	skipCertificateKeyPrint bool
	uploadCerts             bool
	dryRun                  bool
	patches                 string
	output                  string
	// the deprecated extra-args flags of `init phase control-plane`
	apiServerExtraArgs, controllerManagerExtraArgs, schedulerExtraArgs map[string]string
	// flags of single phases, as upstream's
	kubeconfig, kubeconfigDir string
	printManifest             bool
}

// addPhaseOnlyFlags adds the flags upstream's init phases have and init
// itself has not: --kubeconfig on the API phases, --kubeconfig-dir on
// kubeconfig, --print-manifest on the addons.
func (f *initFlags) addPhaseOnlyFlags(phaseCmd *cobra.Command) {
	var walk func(c *cobra.Command, top string)
	walk = func(c *cobra.Command, top string) {
		switch top {
		case "upload-config", "upload-certs", "bootstrap-token", "addon", "mark-control-plane":
			c.Flags().StringVar(&f.kubeconfig, "kubeconfig", defaultKubeconfig, "The kubeconfig file to use when talking to the cluster. If the flag is not set, a set of standard locations can be searched for an existing kubeconfig file.")
		case "kubeconfig":
			c.Flags().StringVar(&f.kubeconfigDir, "kubeconfig-dir", "/etc/kubernetes", "The path where to save the kubeconfig file.")
		}
		if top == "addon" {
			c.Flags().BoolVar(&f.printManifest, "print-manifest", false, "Print the addon manifests to STDOUT instead of installing them")
		}
		for _, sub := range c.Commands() {
			walk(sub, top)
		}
	}
	for _, c := range phaseCmd.Commands() {
		walk(c, c.Name())
	}
}

// addDeprecatedExtraArgsFlags adds upstream's deprecated --*-extra-args to
// the `init phase control-plane` subcommands that take them (all three on
// "all", one on each component's).
func (f *initFlags) addDeprecatedExtraArgsFlags(phaseCmd *cobra.Command) {
	flags := map[string]struct {
		target *map[string]string
		field  string
		what   string
	}{
		"apiserver-extra-args":          {&f.apiServerExtraArgs, "apiServer", "API Server"},
		"controller-manager-extra-args": {&f.controllerManagerExtraArgs, "controllerManager", "Controller Manager"},
		"scheduler-extra-args":          {&f.schedulerExtraArgs, "scheduler", "Scheduler"},
	}
	add := func(c *cobra.Command, name string) {
		fl := flags[name]
		c.Flags().StringToStringVar(fl.target, name, nil, "A set of extra flags to pass to the "+fl.what+" or override default ones in form of <flagname>=<value>")
		_ = c.Flags().MarkDeprecated(name, "use 'ClusterConfiguration."+fl.field+".extraArgs' instead. This flag will be removed in a future version")
	}
	for _, cp := range phaseCmd.Commands() {
		if cp.Name() != "control-plane" {
			continue
		}
		for _, sub := range cp.Commands() {
			switch sub.Name() {
			case "all":
				add(sub, "apiserver-extra-args")
				add(sub, "controller-manager-extra-args")
				add(sub, "scheduler-extra-args")
			case "apiserver":
				add(sub, "apiserver-extra-args")
			case "controller-manager":
				add(sub, "controller-manager-extra-args")
			case "scheduler":
				add(sub, "scheduler-extra-args")
			}
		}
	}
}

// extraArgs turns a deprecated --*-extra-args value into extraArgs entries
// laid over list (a flag replaces an argument of the same name).
func extraArgs(list []kubeadm.Arg, flag map[string]string) []kubeadm.Arg {
	names := make([]string, 0, len(flag))
	for n := range flag {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		replaced := false
		for i := range list {
			if list[i].Name == n {
				list[i].Value, replaced = flag[n], true
			}
		}
		if !replaced {
			list = append(list, kubeadm.Arg{Name: n, Value: flag[n]})
		}
	}
	return list
}

func (f *initFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.configPath, "config", "", "Path to a kubeadm configuration file.")
	fs.StringVar(&f.advertiseAddress, "apiserver-advertise-address", "", "The IP address the API server advertises it listens on. If not set, the address of the default route's interface is used.")
	fs.Int32Var(&f.bindPort, "apiserver-bind-port", 6443, "Port for the API server to bind to.")
	fs.StringVar(&f.nodeName, "node-name", "", "Specify the node name.")
	fs.StringVar(&f.certificateKey, "certificate-key", "", "Key used to encrypt the control-plane certificates in the kubeadm-certs Secret: a hex-encoded 32-byte AES key.")
	fs.StringVar(&f.serviceSubnet, "service-cidr", "10.96.0.0/12", "Use an alternative range of IP addresses for service VIPs.")
	fs.StringVar(&f.podSubnet, "pod-network-cidr", "", "Specify the range of IP addresses for the pod network. If set, the control plane allocates CIDRs to every node.")
	fs.StringVar(&f.dnsDomain, "service-dns-domain", "cluster.local", `Use an alternative domain for services, e.g. "myorg.internal".`)
	fs.StringVar(&f.controlPlaneEndpoint, "control-plane-endpoint", "", "Specify a stable IP address or DNS name for the control plane.")
	fs.StringVar(&f.certDir, "cert-dir", "/etc/kubernetes/pki", "The path where certificates are saved and stored.")
	fs.StringSliceVar(&f.certSANs, "apiserver-cert-extra-sans", nil, "Optional extra Subject Alternative Names (SANs) for the API server serving certificate: IP addresses or DNS names.")
	fs.StringVar(&f.criSocket, "cri-socket", "", "Path to the CRI socket to connect to. If empty, kubeadm probes for a single runtime; use this when several are installed or the socket is non-standard.")
	fs.StringVar(&f.kubernetesVersion, "kubernetes-version", versions.DefaultLabel, "Choose a specific Kubernetes version for the control plane. Release labels are answered from this kubeadm's own version table, with no network lookup.")
	fs.StringVar(&f.imageRepository, "image-repository", "registry.k8s.io", "Choose a container registry to pull control plane images from.")
	fs.StringVar(&f.featureGates, "feature-gates", "", "A set of key=value pairs describing kubeadm feature gates. Options are: RootlessControlPlane=true|false (ALPHA - default=false)")
	fs.StringVar(&f.token, "token", "", "The token to use for establishing bidirectional trust between nodes and control-plane nodes. The format is [a-z0-9]{6}.[a-z0-9]{16} - e.g. abcdef.0123456789abcdef")
	fs.DurationVar(&f.tokenTTL, "token-ttl", 24*time.Hour, "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). If set to '0', the token never expires")
	fs.StringSliceVar(&f.ignorePreflightErrors, "ignore-preflight-errors", nil, "A list of checks whose errors are shown as warnings. Example: 'IsPrivilegedUser,Swap'. Value 'all' ignores errors from all checks.")
	fs.StringSliceVar(&f.skipPhases, "skip-phases", nil, "List of phases to be skipped.")
	fs.BoolVar(&f.skipTokenPrint, "skip-token-print", false, "Skip printing of the default bootstrap token generated by 'kubeadm init'.")
	fs.BoolVar(&f.skipCertificateKeyPrint, "skip-certificate-key-print", false, "Don't print the key used to encrypt the control-plane certificates.")
	fs.BoolVar(&f.uploadCerts, "upload-certs", false, "Upload control-plane certificates to the kubeadm-certs Secret.")
	fs.BoolVar(&f.dryRun, "dry-run", false, "Don't apply any changes; write files to a temporary directory (printed) and print the API writes instead.")
	fs.StringVar(&f.patches, "patches", "", "Path to a directory that contains files named \"target[suffix][+patchtype].extension\".")
	fs.StringVarP(&f.output, "output", "o", "text", "Progress output format: text (a line per phase with its time) or json (one JSON event per line and a final result object).")
}

// allowedWithConfig are the flags upstream accepts together with --config.
func allowedWithConfig(name string) bool {
	switch name {
	case "config", "ignore-preflight-errors", "dry-run", "kubeconfig", "node-name", "kubeconfig-dir", "upload-certs",
		"print-manifest", "output", "print-join-command", "rootfs", "v", "log-file", "yes":
		return true
	}
	return strings.HasPrefix(name, "skip-")
}

// mixedWithConfig lists the flags set beside --config that the
// configuration file must carry instead.
func mixedWithConfig(fs *pflag.FlagSet) []string {
	var bad []string
	fs.Visit(func(fl *pflag.Flag) {
		if !allowedWithConfig(fl.Name) {
			bad = append(bad, "--"+fl.Name)
		}
	})
	return bad
}

// loadConfig builds the complete, validated configuration from the file
// or the flags.
func (f *initFlags) loadConfig(fs *pflag.FlagSet, phase string) (*config.Init, error) {
	var cfg *config.Init
	if f.configPath != "" {
		if bad := mixedWithConfig(fs); len(bad) > 0 {
			return nil, fmt.Errorf("can not mix '--config' with arguments %v: put them in the configuration file", bad)
		}
		var err error
		if cfg, err = config.LoadInitFile(f.configPath); err != nil {
			return nil, err
		}
	} else {
		cfg = config.NewInit()
		if err := f.apply(cfg); err != nil {
			return nil, err
		}
	}
	if fs.Changed("node-name") {
		cfg.Init.NodeRegistration.Name = f.nodeName
	}
	if fs.Changed("certificate-key") {
		cfg.Init.CertificateKey = f.certificateKey
	}
	nr := &cfg.Init.NodeRegistration
	ignore, err := kubeadm.MergeIgnorePreflightErrors(f.ignorePreflightErrors, nr.IgnorePreflightErrors)
	if err != nil {
		return nil, err
	}
	nr.IgnorePreflightErrors = ignore
	if err := cfg.Default(localHost); err != nil {
		return nil, err
	}
	if !initflow.NeedsRuntime(phase, f.dryRun || cfg.Init.DryRun) {
		cfg.NoRuntimeNeeded()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Warnings = append(cfg.Warnings, initflow.ConfigWarnings(cfg)...)
	return cfg, nil
}

// apply sets the configuration from flags, as upstream does without --config.
func (f *initFlags) apply(cfg *config.Init) error {
	c, i := cfg.Cluster, cfg.Init
	i.LocalAPIEndpoint.AdvertiseAddress, i.LocalAPIEndpoint.BindPort = f.advertiseAddress, f.bindPort
	i.NodeRegistration.CRISocket = f.criSocket
	c.Networking.ServiceSubnet, c.Networking.PodSubnet, c.Networking.DNSDomain = f.serviceSubnet, f.podSubnet, f.dnsDomain
	c.ControlPlaneEndpoint, c.CertificatesDir, c.APIServer.CertSANs = f.controlPlaneEndpoint, f.certDir, f.certSANs
	c.KubernetesVersion, c.ImageRepository = f.kubernetesVersion, f.imageRepository
	c.APIServer.ExtraArgs = extraArgs(c.APIServer.ExtraArgs, f.apiServerExtraArgs)
	c.ControllerManager.ExtraArgs = extraArgs(c.ControllerManager.ExtraArgs, f.controllerManagerExtraArgs)
	c.Scheduler.ExtraArgs = extraArgs(c.Scheduler.ExtraArgs, f.schedulerExtraArgs)
	if f.patches != "" {
		i.Patches = &kubeadm.Patches{Directory: f.patches}
	}
	if f.featureGates != "" {
		gates, err := parseFeatureGates(f.featureGates)
		if err != nil {
			return err
		}
		c.FeatureGates = gates
	}
	tok := kubeadm.BootstrapToken{}
	if f.token != "" {
		t, err := kubeadm.ParseBootstrapToken(f.token)
		if err != nil {
			return fmt.Errorf("--token: %w", err)
		}
		tok.Token = t
	}
	if f.tokenTTL < 0 {
		return fmt.Errorf("--token-ttl: %s must not be negative (0 means never expires)", f.tokenTTL)
	}
	tok.TTL = &metav1.Duration{Duration: f.tokenTTL}
	i.BootstrapTokens = []kubeadm.BootstrapToken{tok}
	return nil
}

func newInit(s streams) *cobra.Command {
	f := &initFlags{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Run this command in order to set up the Kubernetes control plane",
		Long: `Run this command in order to set up the Kubernetes control plane.

The "init" command executes the following phases:
` + phaseList(initflow.Phases()) + `
If an earlier "kubeadm init" of this tool on this node stopped part-way
(killed, timed out, or a phase failed), running it again with the same
configuration continues and finishes; a node whose init finished is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInit(cmd, s, f, "")
		},
	}
	f.register(cmd.Flags())
	phaseCmd := newPhaseCommand(s, f, initflow.Phases(), func(cmd *cobra.Command, path string) error {
		return runInit(cmd, s, f, path)
	})
	f.addDeprecatedExtraArgsFlags(phaseCmd)
	f.addPhaseOnlyFlags(phaseCmd)
	cmd.AddCommand(phaseCmd)
	return cmd
}

func runInit(cmd *cobra.Command, s streams, f *initFlags, phase string) error {
	progressStreams := s
	if f.printManifest && phase != "" {
		progressStreams.out = s.errOut // stdout carries only the manifests
	}
	out, err := reporter(f.output, progressStreams)
	if err != nil {
		return err
	}
	if err := (&workflow.Runner[*initflow.Data]{Phases: initflow.Phases()}).CheckNames(f.skipPhases); err != nil {
		return fmt.Errorf("--skip-phases: %w", err)
	}
	cfg, err := f.loadConfig(cmd.Flags(), phase)
	if err != nil {
		return err
	}
	if f.configPath != "" {
		progress.Detail(out, "", "read the configuration file "+f.configPath)
	}
	for _, w := range cfg.Warnings {
		out.Warn("", w)
	}
	for _, n := range cfg.Notes {
		out.Info("", n)
	}
	if phase == "" {
		out.Info("init", "Using Kubernetes version: "+cfg.Cluster.KubernetesVersion)
	}
	opts := initflow.Options{
		Config: cfg, DryRun: f.dryRun || cfg.Init.DryRun, SkipPhases: f.skipPhases,
		UploadCerts: f.uploadCerts, CertificateKey: cfg.Init.CertificateKey, SkipTokenPrint: f.skipTokenPrint,
		SkipCertificateKeyPrint: f.skipCertificateKeyPrint, Out: out,
	}
	if phase != "" {
		if cmd.Flags().Changed("kubeconfig") {
			opts.Kubeconfig = f.kubeconfig
		}
		if cmd.Flags().Changed("kubeconfig-dir") {
			opts.KubeconfigDir = f.kubeconfigDir
		}
		if f.printManifest {
			opts.PrintManifest = s.out
		}
	}
	var d *initflow.Data
	if phase == "" {
		d, err = initflow.Run(cmd.Context(), opts)
	} else {
		d, err = initflow.RunPhase(cmd.Context(), opts, phase)
	}
	if err != nil {
		return err
	}
	if d.Result != nil {
		out.Result(d.Result)
		if f.output == "text" && phase == "" {
			printInitSummary(s, d)
		}
	}
	if d.DryRunDir != "" && f.output == "text" && !f.printManifest {
		fmt.Fprintf(s.out, "[dryrun] the files were written to %s\n", d.DryRunDir)
	}
	return nil
}

func reporter(output string, s streams) (progress.Reporter, error) {
	v := s.verbosity()
	var r progress.Reporter
	switch output {
	case "text", "":
		r = &progress.Human{W: s.out, Verbose: v >= progress.DetailLevel, Verbosity: v}
	case "json":
		r = &progress.JSON{W: s.out, Verbosity: v}
	}
	if r != nil {
		atomicfile.SetObserver(nil)
		if v >= progress.DetailLevel {
			atomicfile.SetObserver(func(op, path string, size int, mode os.FileMode) {
				if op == "read" {
					progress.Detail(r, "", fmt.Sprintf("read %s (%d bytes)", path, size))
					return
				}
				progress.Detail(r, "", fmt.Sprintf("%s %s (%d bytes, mode %04o)", op, path, size, mode.Perm()))
			})
		}
		return r, nil
	}
	return nil, fmt.Errorf("invalid --output %q: use text or json", output)
}

func printInitSummary(s streams, d *initflow.Data) {
	r := d.Result
	fmt.Fprintf(s.out, `
Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p $HOME/.kube
  sudo cp -i %[1]s $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=%[1]s

You should now deploy a pod network to the cluster.
`, r.AdminKubeconfig)
	if r.ControlPlaneJoinCommand != "" {
		fmt.Fprintf(s.out, "\nYou can now join any number of control-plane nodes by running the following on each as root:\n\n  %s\n", r.ControlPlaneJoinCommand)
		if r.CertificateKey == "" {
			fmt.Fprintln(s.out, "\nThe control-plane certificates must be copied to those nodes first, or uploaded with 'kubeadm init phase upload-certs --upload-certs'.")
		}
	}
	if r.WorkerJoinCommand != "" {
		fmt.Fprintf(s.out, "\nThen you can join any number of worker nodes by running the following on each as root:\n\n  %s\n", r.WorkerJoinCommand)
	}
}
