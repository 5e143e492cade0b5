package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
	"github.com/kubeadm-cleanroom/kubeadm/app/tokens"
)

const defaultKubeconfig = "/etc/kubernetes/admin.conf"

func newToken(s streams) *cobra.Command {
	var kubeconfig string
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage bootstrap tokens",
		Long: `This command manages bootstrap tokens. It is optional and needed only for advanced use cases.

Bootstrap tokens are used for establishing bidirectional trust between a client and a server.
A bootstrap token can be used when a client (for example a node that is about to join the cluster)
needs to trust the server it is talking to. Then a bootstrap token with the "signing" usage can be used.
Bootstrap tokens can also function as a way to allow short-lived authentication to the API Server
(the token serves as a way for the API Server to trust the client), for example for doing the TLS Bootstrap.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&kubeconfig, "kubeconfig", defaultKubeconfig, "The kubeconfig file to use when talking to the cluster.")
	cmd.AddCommand(newTokenCreate(s, &kubeconfig), newTokenList(s, &kubeconfig), newTokenDelete(s, &kubeconfig), newTokenGenerate(s))
	return cmd
}

func newTokenCreate(s streams, kubeconfig *string) *cobra.Command {
	var ttl, description, certificateKey string
	var usages, groups []string
	var printJoin bool
	cmd := &cobra.Command{
		Use:   "create [token]",
		Short: "Create bootstrap tokens on the server",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t := kubeadm.BootstrapToken{Description: description, Usages: usages, Groups: groups}
			var err error
			if len(args) == 1 {
				if t.Token, err = kubeadm.ParseBootstrapToken(args[0]); err != nil {
					return err
				}
			} else if t.Token, err = kubeadm.NewBootstrapTokenString(); err != nil {
				return err
			}
			if t.TTL, err = parseDuration("--ttl", ttl); err != nil {
				return err
			}
			kubeadm.SetBootstrapTokenDefaults(&t)
			if errs := kubeadm.ValidateBootstrapToken(&t); len(errs) > 0 {
				return errs.ToAggregate()
			}
			if certificateKey != "" {
				if errs := kubeadm.ValidateCertificateKey(certificateKey, field.NewPath("certificateKey")); len(errs) > 0 {
					return fmt.Errorf("--certificate-key: %s", errs[0].Detail)
				}
				if !printJoin {
					return fmt.Errorf("--certificate-key is only used with --print-join-command")
				}
			}
			client, err := apiclient.FromKubeconfig(*kubeconfig)
			if err != nil {
				return err
			}
			if err := tokens.Create(cmd.Context(), client, t, time.Now()); err != nil {
				return err
			}
			if !printJoin {
				fmt.Fprintln(s.out, t.Token.String())
				return nil
			}
			cfg, err := clientcmd.LoadFromFile(*kubeconfig)
			if err != nil {
				return fmt.Errorf("load %s: %w", *kubeconfig, err)
			}
			join, err := tokens.JoinCommand(cfg, t.Token.String(), certificateKey)
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, join.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&ttl, "ttl", constants.DefaultTokenDuration.String(), "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). If set to '0', the token will never expire")
	cmd.Flags().StringVar(&description, "description", "", "A human friendly description of how this token is used.")
	cmd.Flags().StringSliceVar(&usages, "usages", []string{"signing", "authentication"}, "Describes the ways in which this token can be used. You can pass --usages multiple times or provide a comma separated list of options. Valid options: [signing,authentication]")
	cmd.Flags().StringSliceVar(&groups, "groups", []string{constants.NodeBootstrapTokenAuthGroup}, "Extra groups that this token will authenticate as when used for authentication. Must match \"\\\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\\\z\"")
	cmd.Flags().BoolVar(&printJoin, "print-join-command", false, "Instead of printing only the token, print the full 'kubeadm join' flag needed to join the cluster using the token.")
	cmd.Flags().StringVar(&certificateKey, "certificate-key", "", "When used together with '--print-join-command', print the full 'kubeadm join' flag needed to join the cluster as a control-plane. To create a new certificate key you must use 'kubeadm init phase upload-certs --upload-certs'.")
	return cmd
}

func newTokenList(s streams, kubeconfig *string) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List bootstrap tokens on the server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" && output != "yaml" {
				return fmt.Errorf("invalid --output %q: use text, json or yaml", output)
			}
			client, err := apiclient.FromKubeconfig(*kubeconfig)
			if err != nil {
				return err
			}
			list, err := tokens.List(cmd.Context(), client)
			if err != nil {
				return err
			}
			switch output {
			case "json":
				for _, t := range list {
					b, _ := json.MarshalIndent(t, "", "    ")
					fmt.Fprintln(s.out, string(b))
				}
			case "yaml":
				for i, t := range list {
					b, _ := yaml.Marshal(t)
					if i > 0 {
						fmt.Fprintln(s.out, "---")
					}
					fmt.Fprint(s.out, string(b))
				}
			default:
				w := tabwriter.NewWriter(s.out, 10, 4, 3, ' ', 0)
				fmt.Fprintln(w, "TOKEN\tTTL\tEXPIRES\tUSAGES\tDESCRIPTION\tEXTRA GROUPS")
				for _, t := range list {
					exp := "<never>"
					if t.Expires != nil {
						exp = *t.Expires
					}
					desc := t.Description
					if desc == "" {
						desc = "<none>"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Token, t.TTL(time.Now()), exp, strings.Join(t.Usages, ","), desc, strings.Join(t.Groups, ","))
				}
				w.Flush()
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "Output format: text, json or yaml.")
	return cmd
}

func newTokenDelete(s streams, kubeconfig *string) *cobra.Command {
	return &cobra.Command{
		Use:   "delete [token-value] ...",
		Short: "Delete bootstrap tokens on the server",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := apiclient.FromKubeconfig(*kubeconfig)
			if err != nil {
				return err
			}
			for _, t := range args {
				if err := tokens.Delete(cmd.Context(), client, t); err != nil {
					return err
				}
				id, _, _ := strings.Cut(t, ".")
				fmt.Fprintf(s.out, "bootstrap token %q deleted\n", id)
			}
			return nil
		},
	}
}

func newTokenGenerate(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "generate",
		Short: "Generate and print a bootstrap token, but do not create it on the server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := kubeadm.NewBootstrapTokenString()
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, t.String())
			return nil
		},
	}
}

func newCerts(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "Commands related to handling Kubernetes certificates",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(&cobra.Command{
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
	})
	return cmd
}
