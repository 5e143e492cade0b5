package main

import (
	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
)

// printDefaultsLong is the help text of `config print <command>-defaults`.
func printDefaultsLong(command string) string {
	return `Print the default ` + command + ` configuration (kubeadm.k8s.io/v1beta4), the values
'kubeadm ` + command + `' uses for every field a configuration file leaves out.

Values that kubeadm works out on the machine or generates at run time, such as
the node name, the container runtime socket and bootstrap tokens, are shown as
placeholders (for example "abcdef.0123456789abcdef" for a token) so that the
output passes validation.`
}

// newPrintResetDefaults builds `kubeadm config print reset-defaults`.
func newPrintResetDefaults(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "reset-defaults",
		Short: "Print default reset configuration, that can be used for 'kubeadm reset'",
		Long:  printDefaultsLong("reset"),
		Example: `  # Write the defaults to a file, edit it, and reset with it
  kubeadm config print reset-defaults > reset.yaml
  kubeadm reset --config reset.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeDocs(s, config.ResetDefaults())
		},
	}
}

// newPrintUpgradeDefaults builds `kubeadm config print upgrade-defaults`.
func newPrintUpgradeDefaults(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "upgrade-defaults",
		Short: "Print default upgrade configuration, that can be used for 'kubeadm upgrade'",
		Long:  printDefaultsLong("upgrade"),
		Example: `  # Write the defaults to a file, edit it, and plan an upgrade with it
  kubeadm config print upgrade-defaults > upgrade.yaml
  kubeadm upgrade plan --config upgrade.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeDocs(s, config.UpgradeDefaults())
		},
	}
}

// writeDocs writes objects to stdout as a multi-document YAML file.
func writeDocs(s streams, objs ...any) error {
	b, err := kubeadm.Encode(objs...)
	if err != nil {
		return err
	}
	_, err = s.out.Write(b)
	return err
}
