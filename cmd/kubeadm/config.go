package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletstart"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
	manifestaddons "github.com/kubeadm-cleanroom/kubeadm/manifests/addons"
)

func newConfig(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Manage configuration for a kubeadm cluster persisted in a ConfigMap in the cluster",
		Long:  configLong,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	addConfigKubeconfigFlag(cmd)
	print := &cobra.Command{Use: "print", Short: "Print configuration", Long: configPrintLong, Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	print.AddCommand(newPrintInitDefaults(s), newPrintJoinDefaults(s), newPrintResetDefaults(s), newPrintUpgradeDefaults(s))
	imagesCmd := &cobra.Command{Use: "images", Short: "Interact with container images used by kubeadm", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	imagesCmd.AddCommand(newImagesList(s), newImagesPull(s))
	cmd.AddCommand(print, imagesCmd, newConfigValidate(s), newConfigMigrate(s))
	return cmd
}

// placeholderDefaults is init's configuration with upstream's placeholder
// values where the real ones depend on the machine.
func placeholderDefaults() *config.Init {
	cfg := config.NewInit()
	tok, _ := kubeadm.ParseBootstrapToken("abcdef.0123456789abcdef")
	cfg.Init.BootstrapTokens = []kubeadm.BootstrapToken{{Token: tok}}
	cfg.Init.LocalAPIEndpoint.AdvertiseAddress = "1.2.3.4"
	cfg.Init.NodeRegistration.Name = "node"
	cfg.Init.NodeRegistration.CRISocket = "unix:///var/run/containerd/containerd.sock"
	kubeadm.SetClusterDefaults(cfg.Cluster)
	kubeadm.SetInitDefaults(cfg.Init)
	return cfg
}

func newPrintInitDefaults(s streams) *cobra.Command {
	var components []string
	cmd := &cobra.Command{
		Use:   "init-defaults",
		Short: "Print default init configuration, that can be used for 'kubeadm init'",
		Long:  printDefaultsLong("init"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := placeholderDefaults()
			docs := []any{cfg.Init, cfg.Cluster}
			for _, c := range components {
				switch c {
				case "KubeletConfiguration":
					k, _, err := kubeletstart.ClusterKubeletConfig(cfg.Cluster, nil)
					if err != nil {
						return err
					}
					k.APIVersion, k.Kind = kubeadm.KubeletGroupV, kubeadm.KindKubelet
					docs = append(docs, k)
				case "KubeProxyConfiguration":
					p, _, err := manifestaddons.KubeProxyConfig(cfg.Cluster, cfg.Init.LocalAPIEndpoint.AdvertiseAddress, nil)
					if err != nil {
						return err
					}
					p.APIVersion, p.Kind = kubeadm.KubeProxyGroupV, kubeadm.KindKubeProxy
					docs = append(docs, p)
				default:
					return fmt.Errorf("--component-configs: unknown %q (allowed: KubeletConfiguration, KubeProxyConfiguration)", c)
				}
			}
			b, err := kubeadm.Encode(docs...)
			if err != nil {
				return err
			}
			_, err = s.out.Write(b)
			return err
		},
	}
	cmd.Flags().StringSliceVar(&components, "component-configs", nil, "A comma-separated list of component config API objects to print the default values for. Available values: [KubeProxyConfiguration KubeletConfiguration].")
	return cmd
}

func newPrintJoinDefaults(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "join-defaults",
		Short: "Print default join configuration, that can be used for 'kubeadm join'",
		Long:  printDefaultsLong("join"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			j := &kubeadm.JoinConfiguration{
				NodeRegistration: kubeadm.NodeRegistrationOptions{Name: "node", CRISocket: "unix:///var/run/containerd/containerd.sock"},
				Discovery: kubeadm.Discovery{BootstrapToken: &kubeadm.BootstrapTokenDiscovery{
					APIServerEndpoint: "kube-apiserver:6443", Token: "abcdef.0123456789abcdef", UnsafeSkipCAVerification: true,
				}},
			}
			kubeadm.SetJoinDefaults(j)
			b, err := kubeadm.Encode(j)
			if err != nil {
				return err
			}
			_, err = s.out.Write(b)
			return err
		},
	}
}

func newConfigValidate(s streams) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Read a file containing the kubeadm configuration API and report any validation problems",
		Long:  configValidateLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return fmt.Errorf("--config is required: the file to validate")
			}
			allowExp, _ := cmd.Flags().GetBool("allow-experimental-api")
			warnings, err := config.ValidateFile(path, allowExp, config.NoCRI{Host: config.LocalHost{}})
			for _, w := range warnings {
				fmt.Fprintln(s.errOut, "WARNING:", w)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, "ok")
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "Path to a kubeadm configuration file.")
	addValidateCompatFlags(cmd)
	return cmd
}

// imageList is upstream's `config images list -o json|yaml` object.
type imageList struct {
	metav1.TypeMeta `json:",inline"`
	Images          []string `json:"images"`
}

// imagesConfig is the configuration `config images list|pull` work from:
// the file, then the flags the user set over it, defaulted and validated.
func imagesConfig(cmd *cobra.Command, path, version, repo, gates string) (*config.Init, error) {
	cfg := config.NewInit()
	if path != "" {
		var err error
		if cfg, err = config.LoadInitFile(path); err != nil {
			return nil, err
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), "WARNING:", w)
		}
	}
	if cmd.Flags().Changed("kubernetes-version") || path == "" {
		cfg.Cluster.KubernetesVersion = version
	}
	if cmd.Flags().Changed("image-repository") {
		cfg.Cluster.ImageRepository = repo
	}
	if gates != "" {
		g, err := parseFeatureGates(gates)
		if err != nil {
			return nil, err
		}
		cfg.Cluster.FeatureGates = g
	}
	kubeadm.SetClusterDefaults(cfg.Cluster)
	if errs := kubeadm.ValidateCluster(cfg.Cluster); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return cfg, nil
}

func newImagesList(s streams) *cobra.Command {
	var path, version, repo, gates string
	var output *listOutput
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print a list of images kubeadm will use. The configuration file is used in case any images or image repositories are customized",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			cfg, err := imagesConfig(cmd, path, version, repo, gates)
			if err != nil {
				return err
			}
			list, err := images.List(cfg.Cluster)
			if err != nil {
				return err
			}
			obj := imageList{TypeMeta: metav1.TypeMeta{APIVersion: "output.kubeadm.k8s.io/v1alpha3", Kind: "Images"}, Images: list}
			if output.templated() {
				b, err := json.Marshal(obj)
				if err != nil {
					return err
				}
				return output.printJSON(s.out, b)
			}
			switch output.builtin() {
			case "text", "":
				fmt.Fprintln(s.out, strings.Join(list, "\n"))
			case "json":
				b, err := json.MarshalIndent(obj, "", "    ")
				if err != nil {
					return err
				}
				fmt.Fprintln(s.out, string(b))
			case "yaml":
				b, err := yaml.Marshal(obj)
				if err != nil {
					return err
				}
				fmt.Fprint(s.out, string(b))
			default:
				return fmt.Errorf("invalid --output %q: use text, json or yaml", output.format)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "Path to a kubeadm configuration file.")
	cmd.Flags().StringVar(&version, "kubernetes-version", versions.DefaultLabel, "Choose a specific Kubernetes version for the control plane.")
	cmd.Flags().StringVar(&repo, "image-repository", "registry.k8s.io", "Choose a container registry to pull control plane images from.")
	output = addListOutput(cmd)
	cmd.Flags().StringVar(&gates, "feature-gates", "", "A set of key=value pairs that describe feature gates for various features. Options are:\nRootlessControlPlane=true|false (ALPHA - default=false)")
	return cmd
}
