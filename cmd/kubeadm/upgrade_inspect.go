package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/upgrade"
	"github.com/kubeadm-cleanroom/kubeadm/app/upgradeflow"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

func newUpgradePlan(s streams) *cobra.Command {
	var configPath, kubeconfig string
	var output *listOutput
	var allowExp, allowRC, printConfig, etcdUpgrade bool
	var ignore []string
	cmd := &cobra.Command{
		Use:   "plan [version]",
		Short: "Check which versions are available to upgrade to and validate whether your current cluster is upgradeable.",
		Long: `Check which versions are available to upgrade to and validate whether your
current cluster is upgradeable. This command can only run on the control
plane nodes where the kubeconfig file "admin.conf" exists. To skip the
internet check, pass in the optional [version] parameter: this kubeadm
never looks versions up on the network, and without [version] it plans
for its own version (the newest it can install).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := output.check(); err != nil {
				return err
			}
			cfg, err := loadUpgradeConfig(s, configPath)
			if err != nil {
				return err
			}
			target := cfg.Plan.KubernetesVersion
			if len(args) > 0 {
				target = args[0]
			}
			policy := upgrade.PolicyOptions{AllowExperimental: *cfg.Plan.AllowExperimentalUpgrades || allowExp, AllowRC: *cfg.Plan.AllowRCUpgrades || allowRC}
			if target, err = planTarget(target, policy); err != nil {
				return err
			}
			c, err := apiclient.FromKubeconfig(kubeconfig)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), cfg.Timeouts.KubernetesAPICall.Duration)
			defer cancel()
			plan, cluster, err := upgradeflow.PlanCluster(ctx, c, target, policy)
			if err != nil {
				return err
			}
			if printConfig || *cfg.Plan.PrintConfig {
				b, err := kubeadm.Encode(cluster)
				if err != nil {
					return err
				}
				fmt.Fprintf(s.out, "[upgrade/config] the cluster configuration:\n%s\n", b)
			}
			for _, w := range plan.Warnings {
				fmt.Fprintln(s.errOut, "WARNING:", w)
			}
			if output.templated() {
				b, err := plan.JSON()
				if err != nil {
					return err
				}
				return output.printJSON(s.out, b)
			}
			switch output.builtin() {
			case "json":
				b, err := plan.JSON()
				if err != nil {
					return err
				}
				fmt.Fprintln(s.out, string(b))
			case "yaml":
				b, err := plan.YAML()
				if err != nil {
					return err
				}
				fmt.Fprint(s.out, string(b))
			default:
				fmt.Fprint(s.out, plan.Text())
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&configPath, "config", "", "Path to a kubeadm configuration file (UpgradeConfiguration).")
	fs.StringVar(&kubeconfig, "kubeconfig", defaultAdminKubeconfig, "The kubeconfig file to use when talking to the cluster.")
	output = addListOutput(cmd)
	fs.BoolVar(&allowExp, "allow-experimental-upgrades", false, "Show unstable versions of Kubernetes as an upgrade alternative and allow upgrading to an alpha/beta/release candidate versions of Kubernetes.")
	fs.BoolVar(&allowRC, "allow-release-candidate-upgrades", false, "Show release candidate versions of Kubernetes as an upgrade alternative and allow upgrading to a release candidate versions of Kubernetes.")
	fs.BoolVar(&printConfig, "print-config", false, "Specifies whether the configuration file that will be used in the upgrade should be printed or not.")
	fs.BoolVar(&etcdUpgrade, "etcd-upgrade", true, "Perform the upgrade of etcd.")
	fs.StringSliceVar(&ignore, "ignore-preflight-errors", nil, "A list of checks whose errors will be shown as warnings. Value 'all' ignores errors from all checks.")
	return cmd
}

func newUpgradeDiff(s streams) *cobra.Command {
	var configPath, kubeconfig, apiManifest, cmManifest, schedManifest, patchDir string
	var contextLines int
	cmd := &cobra.Command{
		Use:   "diff [version]",
		Short: "Show what differences would be applied to existing static pod manifests. See also: kubeadm upgrade apply --dry-run",
		Long: `Show, as unified diffs, what "kubeadm upgrade apply [version]" would change in
this node's static Pod manifests (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler). Without [version], this
kubeadm's own version is used.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadUpgradeConfig(s, configPath)
			if err != nil {
				return err
			}
			target := cfg.Diff.KubernetesVersion
			if len(args) > 0 {
				target = args[0]
			}
			if target, err = planTarget(target, upgrade.PolicyOptions{AllowExperimental: true, AllowRC: true}); err != nil {
				return err
			}
			if !cmd.Flags().Changed("context-lines") {
				contextLines = cfg.Diff.DiffContextLines
			}
			set, err := patches.Load(patchDir)
			if err != nil {
				return err
			}
			c, err := apiclient.FromKubeconfig(kubeconfig)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), cfg.Timeouts.KubernetesAPICall.Duration)
			defer cancel()
			_, diffs, err := upgradeflow.DiffNode(ctx, c, upgradeflow.DiffOptions{Target: target, ManifestsDir: "/etc/kubernetes/manifests",
				Manifests:    map[string]string{constants.KubeAPIServer: apiManifest, constants.KubeControllerManager: cmManifest, constants.KubeScheduler: schedManifest},
				ContextLines: contextLines, Patches: set})
			if err != nil {
				return err
			}
			if len(diffs) > 0 {
				fmt.Fprintln(s.out, strings.Join(diffs, "\n"))
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&configPath, "config", "", "Path to a kubeadm configuration file (UpgradeConfiguration).")
	fs.StringVar(&kubeconfig, "kubeconfig", defaultAdminKubeconfig, "The kubeconfig file to use when talking to the cluster.")
	fs.StringVar(&apiManifest, "api-server-manifest", "/etc/kubernetes/manifests/kube-apiserver.yaml", "path to API server manifest")
	fs.StringVar(&cmManifest, "controller-manager-manifest", "/etc/kubernetes/manifests/kube-controller-manager.yaml", "path to controller manifest")
	fs.StringVar(&schedManifest, "scheduler-manifest", "/etc/kubernetes/manifests/kube-scheduler.yaml", "path to scheduler manifest")
	fs.IntVarP(&contextLines, "context-lines", "c", upgrade.DefaultContextLines, "How many lines of context in the diff")
	fs.StringVar(&patchDir, "patches", "", "Path to a directory with patches for the static Pods, as upgrade apply takes them.")
	return cmd
}

// planTarget checks a version given to plan or diff before the cluster is
// read. Only what no --force could bypass stops them: they report the rest.
func planTarget(target string, policy upgrade.PolicyOptions) (string, error) {
	if target == "" {
		return "", nil
	}
	policy.Force = true
	return upgrade.CheckTarget(target, versions.Tool, policy)
}
