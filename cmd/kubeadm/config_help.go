package main

import (
	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// configLong is the help text of `kubeadm config`.
const configLong = `Work with kubeadm's configuration files and the configuration kubeadm keeps in
the cluster.

kubeadm init stores the ClusterConfiguration in the "kubeadm-config" ConfigMap
of the kube-system namespace; join and upgrade read it from there. The
subcommands print defaults, convert and validate files, and list or pull the
images a configuration uses.`

// configPrintLong is the help text of `kubeadm config print`.
const configPrintLong = `Print the default configuration of a kubeadm command, as a file to start from.
The API reference of every field: https://pkg.go.dev/k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/v1beta4`

// configValidateLong is the help text of `kubeadm config validate`.
const configValidateLong = `Check a kubeadm configuration file and report every problem found, with the
file, the document and the field it is in. The exit status is zero when the
file is valid and non-zero otherwise.

Unknown API versions, kinds and fields are errors, as are values out of range.
This kubeadm reads ` + kubeadm.V1beta4 + ` and, with a deprecation warning,
` + kubeadm.V1beta3 + ` (convert it with 'kubeadm config migrate').`

// addValidateCompatFlags adds the flags upstream's `config validate` and
// `config migrate` have for API versions. This kubeadm always reads v1beta3
// with a warning (a deliberate difference); kubeadm.k8s.io/v1 is read only
// with --allow-experimental-api.
func addValidateCompatFlags(cmd *cobra.Command) {
	cmd.Flags().Bool("allow-deprecated-api", false, "Allow validation of deprecated APIs. "+kubeadm.V1beta3+" is always read, with a warning.")
	cmd.Flags().Bool("allow-experimental-api", false, "Allow validation of experimental, unreleased APIs.")
}

// addConfigKubeconfigFlag adds upstream's --kubeconfig of `kubeadm config`
// and its subcommands. None of them talks to the cluster (upstream's do not
// either), so scripts that pass it keep working and it changes nothing.
func addConfigKubeconfigFlag(cmd *cobra.Command) {
	cmd.PersistentFlags().String("kubeconfig", defaultKubeconfig, "The kubeconfig file to use when talking to the cluster. Accepted for compatibility: no 'kubeadm config' subcommand talks to the cluster.")
}
