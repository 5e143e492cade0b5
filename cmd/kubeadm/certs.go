package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs/csr"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

func newCerts(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "certs",
		Aliases: []string{"certificates"},
		Short:   "Commands related to handling Kubernetes certificates",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCertsRenew(s), newCertsCheckExpiration(s), newCertificateKey(s), newCertsGenerateCSR(s))
	return cmd
}

func newCertificateKey(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "certificate-key",
		Short: "Generate certificate keys",
		Long: `This command will print out a secure randomly-generated certificate key that can be used with
the "init" command.

You can also use "kubeadm init --upload-certs" without specifying a certificate key and it will
generate and print one for you.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := uploadcerts.NewCertificateKey()
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, k)
			return nil
		},
	}
}

func newCertsGenerateCSR(s streams) *cobra.Command {
	var cfgPath, certDir, kubeconfigDir string
	cmd := &cobra.Command{
		Use:   "generate-csr",
		Short: "Generate keys and certificate signing requests",
		Long: `Generates keys and certificate signing requests (CSRs) for all the certificates required to run the control plane.
This command also generates partial kubeconfig files with private key data in the "users > user > client-key-data" field,
and for each kubeconfig file an accompanying ".csr" file is created.

This command is designed for use in [Kubeadm External CA Mode](https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/#external-ca-mode).
It generates CSRs which you can then submit to your external certificate authority for signing.

The PEM encoded signed certificates should then be saved alongside the key files, using ".crt" as the file extension,
or in the case of kubeconfig files, the PEM encoded signed certificate should be base64 encoded
and added to the kubeconfig file in the "users > user > client-certificate-data" field.

The subjects and SANs are those "kubeadm init" would give the certificates, from --config
or, without it, from the defaults and this machine's name and default route address.
Nothing is written if any of the key, CSR or kubeconfig files already exists.`,
		Example: `  # The following command will generate keys and CSRs for all control-plane certificates and kubeconfig files:
  kubeadm certs generate-csr --kubeconfig-dir /tmp/etc-k8s --cert-dir /tmp/etc-k8s/pki`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := config.NewInit()
			if cfgPath != "" {
				var err error
				if cfg, err = config.LoadInitFile(cfgPath); err != nil {
					return err
				}
			}
			if certDir != "" {
				cfg.Cluster.CertificatesDir = certDir
			}
			if err := cfg.Default(config.NoCRI{Host: config.LocalHost{}}); err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(s.errOut, "WARNING:", w)
			}
			res, err := csr.Generate(csr.Options{
				Cluster: cfg.Cluster, NodeName: cfg.Init.NodeRegistration.Name, LocalAPIEndpoint: cfg.Init.LocalAPIEndpoint,
				KubeconfigDir: kubeconfigDir, Keys: pki.NewKeyPool(cfg.Cluster.EncryptionAlgorithm, 12),
			})
			if res != nil {
				for _, w := range res.Warnings {
					fmt.Fprintln(s.errOut, "WARNING:", w)
				}
				printGenerated(s, res.CertDir, res.Certs)
				printGenerated(s, res.KubeconfigDir, res.Kubeconfigs)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&cfgPath, "config", "", "Path to a kubeadm configuration file.")
	cmd.Flags().StringVar(&certDir, "cert-dir", "", "The path where to save the certificates")
	cmd.Flags().StringVar(&kubeconfigDir, "kubeconfig-dir", constants.KubernetesDir, "The path where to save the kubeconfig file.")
	return cmd
}

// printGenerated prints what generate-csr wrote in dir, as upstream does.
func printGenerated(s streams, dir string, names []string) {
	if len(names) == 0 {
		return
	}
	fmt.Fprintf(s.out, "generating keys and CSRs in %s\n", dir)
	for _, n := range names {
		fmt.Fprintf(s.out, "  %s\n", n)
	}
}
