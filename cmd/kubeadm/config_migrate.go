package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
)

// newConfigMigrate builds `kubeadm config migrate`; app/config.Migrate does
// the work.
func newConfigMigrate(s streams) *cobra.Command {
	var oldPath, newPath string
	var allowExperimental bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Read an older version of the kubeadm configuration API types from a file, and output the similar config object for the newer version",
		Long: `Convert a kubeadm configuration file to the newest API version, locally, without
touching the cluster. This kubeadm reads ` + kubeadm.V1beta4 + ` and, deprecated,
` + kubeadm.V1beta3 + `; it writes only ` + kubeadm.V1beta4 + `.

Every document is read strictly (unknown fields are errors), converted, given
its defaults and validated before it is written to --new-config, or to stdout
without it. The output is the configuration kubeadm would run with, except for
values it works out on the machine at run time (node name, advertise address,
container runtime socket, bootstrap token values), which stay as the file has
them. KubeletConfiguration and KubeProxyConfiguration documents are kept as
written, after the kubeadm documents.`,
		Example: `  # Convert a v1beta3 file and look at the result
  kubeadm config migrate --old-config old.yaml

  # Convert it into a new file
  kubeadm config migrate --old-config old.yaml --new-config new.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if oldPath == "" {
				return fmt.Errorf("--old-config is required: the kubeadm configuration file to convert")
			}
			data, err := os.ReadFile(oldPath)
			if err != nil {
				return fmt.Errorf("read --old-config: %w", err)
			}
			out, warnings, err := config.Migrate(oldPath, data, allowExperimental)
			if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(s.errOut, "WARNING:", w)
			}
			if newPath == "" {
				_, err = s.out.Write(out)
				return err
			}
			if err := atomicfile.Write(newPath, out, 0o644); err != nil {
				return fmt.Errorf("write --new-config %s: %w", newPath, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&oldPath, "old-config", "", "Path to the kubeadm config file that is using an old API version and should be converted. This flag is mandatory.")
	cmd.Flags().StringVar(&newPath, "new-config", "", "Path to the resulting equivalent kubeadm config file using the new API version. Optional, if not specified output will be sent to STDOUT.")
	cmd.Flags().BoolVar(&allowExperimental, "allow-experimental-api", false, "Allow migration to experimental, unreleased APIs.")
	return cmd
}
