package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	kcphase "github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeconfig"
)

func newKubeconfig(s streams) *cobra.Command {
	return newKubeconfigIn(s, constants.KubernetesDir, time.Now)
}

// newKubeconfigIn builds `kubeadm kubeconfig` for a node whose admin.conf
// and default certificates directory are under kubernetesDir; tests pass
// a temporary directory and a fixed clock.
func newKubeconfigIn(s streams, kubernetesDir string, now func() time.Time) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kubeconfig",
		Short: "Kubeconfig file utilities",
		Long:  "Kubeconfig file utilities.",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newKubeconfigUser(s, kubernetesDir, now))
	return cmd
}

func newKubeconfigUser(s streams, kubernetesDir string, now func() time.Time) *cobra.Command {
	var cfgPath, clientName, token string
	var orgs []string
	validity := &validityFlag{d: constants.DefaultCertValidity}
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Output a kubeconfig file for an additional user",
		Long: `Output a kubeconfig file for an additional user.

The user authenticates with a client certificate signed by the cluster CA (its common name is
--client-name, its organizations --org), or with --token instead. The CA is read from the
certificatesDir of --config, or from /etc/kubernetes/pki; signing a certificate needs the CA
key, a token does not.

The server is the controlPlaneEndpoint, or else the localAPIEndpoint, of --config. Without
--config, or when it sets neither, the server and cluster name of this node's
/etc/kubernetes/admin.conf are used.`,
		Example: `  # Output a kubeconfig file for an additional user named foo
  kubeadm kubeconfig user --client-name=foo

  # Output a kubeconfig file for an additional user named foo using a kubeadm config file bar
  kubeadm kubeconfig user --client-name=foo --config=bar`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(clientName) == "" {
				return fmt.Errorf("--client-name is required: the user name, used as the certificate's common name")
			}
			if token != "" {
				for _, f := range []string{"org", "validity-period"} {
					if cmd.Flags().Changed(f) {
						return fmt.Errorf("--%s applies to client certificates and cannot be used with --token", f)
					}
				}
			}
			for _, o := range orgs {
				if strings.TrimSpace(o) == "" {
					return fmt.Errorf("--org: organizations must not be empty")
				}
			}
			if validity.d > constants.DefaultCertValidity {
				fmt.Fprintf(s.errOut, "WARNING: the specified certificate validity period %v is longer than the default duration %v, this may increase security risks.\n",
					validity.d, constants.DefaultCertValidity)
			}
			cfg, warnings, err := kcphase.User(kcphase.UserRequest{
				ConfigPath: cfgPath, KubernetesDir: kubernetesDir,
				ClientName: clientName, Organizations: orgs, Validity: validity.d, Token: token, Now: now,
			})
			if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(s.errOut, "WARNING:", w)
			}
			data, err := kc.Marshal(cfg)
			if err != nil {
				return err
			}
			_, err = s.out.Write(data)
			return err
		},
	}
	cmd.Flags().StringVar(&cfgPath, "config", "", "Path to a kubeadm configuration file.")
	cmd.Flags().StringVar(&token, "token", "", "The token that should be used as the authentication mechanism for this kubeconfig, instead of client certificates")
	cmd.Flags().StringVar(&clientName, "client-name", "", "The name of user. It will be used as the CN if client certificates are created")
	cmd.Flags().StringSliceVar(&orgs, "org", nil, "The organizations of the client certificate. It will be used as the O if client certificates are created")
	cmd.Flags().Var(validity, "validity-period", "The validity period of the client certificate. It is an offset from the current time.")
	return cmd
}

// validityFlag is a positive duration such as 8760h or 30m, shown as
// "duration" in --help as upstream's is.
type validityFlag struct{ d time.Duration }

func (f *validityFlag) String() string { return f.d.String() }

func (f *validityFlag) Type() string { return "duration" }

// Set parses the duration; pflag puts the flag and value in front of the
// error.
func (f *validityFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration like 8760h0m0s or 30m")
	}
	if d <= 0 {
		return fmt.Errorf("must be positive")
	}
	f.d = d
	return nil
}
