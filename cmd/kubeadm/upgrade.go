package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/upgrade"
	"github.com/kubeadm-cleanroom/kubeadm/app/upgradeflow"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

var defaultAdminKubeconfig = "/etc/kubernetes/" + constants.AdminKubeConfig

// upgradeFlags are the flags of upgrade apply and upgrade node.
type upgradeFlags struct {
	command               string
	configPath            string
	kubeconfig            string
	yes, force, dryRun    bool
	certificateRenewal    bool
	etcdUpgrade           bool
	allowExperimental     bool
	allowRC               bool
	printConfig           bool
	ignorePreflightErrors []string
	skipPhases            []string
	patches               string
	output                string
}

func (f *upgradeFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.configPath, "config", "", "Path to a kubeadm configuration file (UpgradeConfiguration).")
	fs.StringVar(&f.kubeconfig, "kubeconfig", defaultAdminKubeconfig, "The kubeconfig file to use when talking to the cluster. If the flag is not set, /etc/kubernetes/admin.conf is used, or /etc/kubernetes/kubelet.conf on a node without a control plane.")
	fs.BoolVar(&f.dryRun, "dry-run", false, "Do not change any state, just output the actions that would be performed.")
	fs.BoolVar(&f.certificateRenewal, "certificate-renewal", true, "Perform the renewal of certificates used by component changed during upgrades.")
	fs.BoolVar(&f.etcdUpgrade, "etcd-upgrade", true, "Perform the upgrade of etcd.")
	fs.StringSliceVar(&f.ignorePreflightErrors, "ignore-preflight-errors", nil, "A list of checks whose errors will be shown as warnings. Example: 'ControlPlaneNodesReady,StaticPods,EtcdHealth'. Value 'all' ignores errors from all checks.")
	fs.StringSliceVar(&f.skipPhases, "skip-phases", nil, "List of phases to be skipped")
	fs.StringVar(&f.patches, "patches", "", "Path to a directory that contains files named \"target[suffix][+patchtype].extension\". For example, \"kube-apiserver0+merge.yaml\" or just \"etcd.json\". \"target\" can be one of \"kube-apiserver\", \"kube-controller-manager\", \"kube-scheduler\", \"etcd\", \"kubeletconfiguration\", \"corednsdeployment\". \"patchtype\" can be one of \"strategic\", \"merge\" or \"json\" and they match the patch formats supported by kubectl. The default \"patchtype\" is \"strategic\". \"extension\" must be either \"json\" or \"yaml\". \"suffix\" is an optional string that can be used to determine which patches are applied first alpha-numerically.")
	fs.StringVarP(&f.output, "output", "o", "text", "Progress output format: text or json.")
	if f.command == upgradeflow.Apply {
		fs.BoolVarP(&f.yes, "yes", "y", false, "Perform the upgrade and do not prompt for confirmation (non-interactive mode).")
		fs.BoolVarP(&f.force, "force", "f", false, "Force upgrading although some requirements might not be met. This also implies non-interactive mode.")
		fs.BoolVar(&f.allowExperimental, "allow-experimental-upgrades", false, "Show unstable versions of Kubernetes as an upgrade alternative and allow upgrading to an alpha/beta/release candidate versions of Kubernetes.")
		fs.BoolVar(&f.allowRC, "allow-release-candidate-upgrades", false, "Show release candidate versions of Kubernetes as an upgrade alternative and allow upgrading to a release candidate versions of Kubernetes.")
		fs.BoolVar(&f.printConfig, "print-config", false, "Specifies whether the configuration file that will be used in the upgrade should be printed or not.")
	}
}

// loadUpgradeConfig reads --config through the one loader and prints its
// warnings.
func loadUpgradeConfig(s streams, path string) (*kubeadm.UpgradeConfiguration, error) {
	cfg, warnings, err := config.LoadUpgrade(path)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintln(s.errOut, "WARNING:", w)
	}
	return cfg, nil
}

// settings lays the flags the user set over the configuration file.
func (f *upgradeFlags) settings(fs *pflag.FlagSet, cfg *kubeadm.UpgradeConfiguration) (upgradeflow.Settings, string, error) {
	var s upgradeflow.Settings
	target := ""
	if f.command == upgradeflow.Apply {
		a := cfg.Apply
		s = upgradeflow.Settings{CertificateRenewal: *a.CertificateRenewal, EtcdUpgrade: *a.EtcdUpgrade, DryRun: *a.DryRun, Force: *a.ForceUpgrade,
			AllowExperimental: *a.AllowExperimentalUpgrades, AllowRC: *a.AllowRCUpgrades, PrintConfig: *a.PrintConfig,
			IgnorePreflightErrors: a.IgnorePreflightErrors, SkipPhases: a.SkipPhases, Patches: a.Patches}
		target = a.KubernetesVersion
	} else {
		n := cfg.Node
		s = upgradeflow.Settings{CertificateRenewal: *n.CertificateRenewal, EtcdUpgrade: *n.EtcdUpgrade, DryRun: *n.DryRun,
			IgnorePreflightErrors: n.IgnorePreflightErrors, SkipPhases: n.SkipPhases, Patches: n.Patches}
	}
	set := func(name string, dst *bool, v bool) {
		if fs.Changed(name) {
			*dst = v
		}
	}
	set("certificate-renewal", &s.CertificateRenewal, f.certificateRenewal)
	set("etcd-upgrade", &s.EtcdUpgrade, f.etcdUpgrade)
	set("dry-run", &s.DryRun, f.dryRun)
	set("force", &s.Force, f.force)
	set("allow-experimental-upgrades", &s.AllowExperimental, f.allowExperimental)
	set("allow-release-candidate-upgrades", &s.AllowRC, f.allowRC)
	set("print-config", &s.PrintConfig, f.printConfig)
	ignore, err := kubeadm.MergeIgnorePreflightErrors(f.ignorePreflightErrors, s.IgnorePreflightErrors)
	if err != nil {
		return s, "", err
	}
	s.IgnorePreflightErrors = ignore
	if fs.Changed("skip-phases") {
		s.SkipPhases = f.skipPhases
	}
	if f.patches != "" {
		s.Patches = &kubeadm.Patches{Directory: f.patches}
	}
	return s, target, nil
}

func newUpgrade(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upgrade",
		Short: "Upgrade your cluster smoothly to a newer version with this command",
		Long: `Upgrade your cluster smoothly to a newer version with this command.

"upgrade plan" shows what an upgrade would change, "upgrade diff" the
static Pod manifests it would write, "upgrade apply <version>" upgrades the
first control plane and the cluster-wide configuration and addons, and
"upgrade node" each other node. Versions come from this kubeadm's own
table and the command line: nothing is looked up on the network.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("name a subcommand: plan, diff, apply or node")
		},
	}
	cmd.AddCommand(newUpgradePlan(s), newUpgradeDiff(s), newUpgradeRun(s, upgradeflow.Apply), newUpgradeRun(s, upgradeflow.Node))
	return cmd
}

func newUpgradeRun(s streams, command string) *cobra.Command {
	f := &upgradeFlags{command: command}
	phases := upgradeflow.ApplyPhases()
	cmd := &cobra.Command{
		Use:   "apply [version]",
		Short: "Upgrade your Kubernetes cluster to the specified version",
		Args:  cobra.MaximumNArgs(1),
	}
	cmd.Long = `Upgrade the control plane of this node to the specified version, then the
cluster-wide configuration and, once every control plane runs it, the
CoreDNS and kube-proxy addons.

Each control-plane component (etcd first, then kube-apiserver,
kube-controller-manager and kube-scheduler) has its certificates renewed,
its old manifest backed up and its new one written, and must come up
within the upgrade timeout. If one does not, every component changed so
far is put back (etcd's data restored from the snapshot taken before the
upgrade when this node runs the only etcd member) and the command fails
naming the component and the reason.

The "apply [version]" command executes the following phases:
` + phaseList(phases)
	if command == upgradeflow.Node {
		phases = upgradeflow.NodePhases()
		cmd.Use, cmd.Short, cmd.Args = "node", "Upgrade commands for a node in the cluster", cobra.NoArgs
		cmd.Long = `Upgrade commands for a node in the cluster, to the version "kubeadm upgrade
apply" stored in the cluster: on a control-plane node its static Pods (with
the same backups and automatic rollback as apply), then the kubelet
configuration, and the addons once every control plane is upgraded.

The "node" command executes the following phases:
` + phaseList(phases)
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return runUpgrade(cmd, s, f, args, "") }
	f.register(cmd.Flags())
	cmd.AddCommand(newPhaseCommandFor(phases, "upgrade "+command, f.register, func(cmd *cobra.Command, path string, args []string) error {
		return runUpgrade(cmd, s, f, args, path)
	}))
	return cmd
}

func runUpgrade(cmd *cobra.Command, s streams, f *upgradeFlags, args []string, phase string) error {
	out, err := reporter(f.output, s)
	if err != nil {
		return err
	}
	runner := upgradeflow.Runner(f.command, out)
	if err := (&workflow.Runner[*upgradeflow.Data]{Phases: runner.Phases}).CheckNames(f.skipPhases); err != nil {
		return fmt.Errorf("--skip-phases: %w", err)
	}
	cfg, err := loadUpgradeConfig(s, f.configPath)
	if err != nil {
		return err
	}
	settings, target, err := f.settings(cmd.Flags(), cfg)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		target = args[0]
	}
	if f.command == upgradeflow.Apply {
		if target == "" {
			return fmt.Errorf("missing the version to upgrade to: kubeadm upgrade apply <version> (or apply.kubernetesVersion in --config)")
		}
		if target, err = upgrade.CheckTarget(target, versions.Tool, upgrade.PolicyOptions{Force: settings.Force,
			AllowExperimental: settings.AllowExperimental, AllowRC: settings.AllowRC}); err != nil {
			return err
		}
	}
	kubeconfig := "" // admin.conf, or kubelet.conf on a node without one
	if cmd.Flags().Changed("kubeconfig") {
		kubeconfig = f.kubeconfig
	}
	opts := upgradeflow.Options{Command: f.command, Target: target, Settings: settings, Timeouts: cfg.Timeouts,
		Kubeconfig: kubeconfig, Yes: f.yes || settings.Force, In: s.in, Out: out}
	var d *upgradeflow.Data
	if phase == "" {
		d, err = upgradeflow.Run(cmd.Context(), opts)
	} else {
		d, err = upgradeflow.RunPhase(cmd.Context(), opts, phase)
	}
	if err != nil {
		return err
	}
	if f.output == "json" {
		out.Result(map[string]any{"command": f.command, "targetVersion": d.TargetVersion(), "etcdSnapshot": d.SnapshotPath, "dryRun": settings.DryRun, "dryRunDir": d.DryRunDir})
	} else if d.DryRunDir != "" {
		fmt.Fprintf(s.out, "[dryrun] the files that would change were written to %s\n", d.DryRunDir)
	}
	return nil
}

// oneOf checks an --output value.
func oneOf(flag, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("invalid %s %q: use %s", flag, v, strings.Join(allowed, ", "))
}
