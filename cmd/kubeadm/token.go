package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/tokens"
)

const defaultKubeconfig = "/etc/kubernetes/admin.conf"

// newToken builds `kubeadm token` with clients from the --kubeconfig file.
func newToken(s streams) *cobra.Command {
	return newTokenCommand(s, apiclient.FromKubeconfig)
}

// newTokenCommand builds `kubeadm token`; newClient makes the API client of
// create, list and delete.
func newTokenCommand(s streams, newClient clientFunc) *cobra.Command {
	var kubeconfig string
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage bootstrap tokens",
		Long: `This command manages bootstrap tokens. It is optional and needed only for advanced use cases.

Bootstrap tokens are used for establishing bidirectional trust between a client and a server.
A bootstrap token can be used when a client (for example a node that is about to join the cluster)
needs to trust the server it is talking to. Then a bootstrap token with the "signing" usage can be used.
Bootstrap tokens can also function as a way to allow short-lived authentication to the API Server
(the token serves as a way for the API Server to trust the client), for example for doing the TLS Bootstrap.

A bootstrap token is a Secret of type "bootstrap.kubernetes.io/token" named
"bootstrap-token-<token-id>" in the kube-system namespace. The token has the form
"[a-z0-9]{6}.[a-z0-9]{16}": the first part is the public token ID, the second the
token secret, which must be kept private.

More on bootstrap tokens: https://kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&kubeconfig, "kubeconfig", defaultKubeconfig, "The kubeconfig file to use when talking to the cluster.")
	var dryRun bool
	cmd.PersistentFlags().BoolVar(&dryRun, "dry-run", false, "Whether to enable dry-run mode or not")
	path := func() string { return findKubeconfig(cmd.PersistentFlags().Changed("kubeconfig"), kubeconfig) }
	reader := func() (clientset.Interface, error) { return newClient(path()) }
	// create and delete only write: a dry run reports the writes instead
	writer := func() (clientset.Interface, error) {
		if dryRun {
			return apiclient.NewDryRun(func(msg string) { fmt.Fprintln(s.out, "[dryrun] "+msg) }), nil
		}
		return reader()
	}
	cmd.AddCommand(newTokenCreate(s, path, writer), newTokenList(s, reader), newTokenDelete(s, writer), newTokenGenerate(s))
	return cmd
}

// signTimeout bounds token create's signing of cluster-info.
const signTimeout = 15 * time.Second

// newTokenCreate builds `kubeadm token create`: one token from the flags, or
// every token of a --config file.
func newTokenCreate(s streams, kubeconfig func() string, newClient func() (clientset.Interface, error)) *cobra.Command {
	var description, certificateKey, configPath string
	var usages, groups []string
	var printJoin bool
	ttl := &durationFlag{d: constants.DefaultTokenDuration}
	cmd := &cobra.Command{
		Use:                   "create [token]",
		DisableFlagsInUseLine: true,
		Short:                 "Create bootstrap tokens on the server",
		Long: `Create a bootstrap token on the server, with the usages, time to live and
description the flags give.

[token] is the token to create, of the form "[a-z0-9]{6}.[a-z0-9]{16}"; it should
be securely random. Without it kubeadm generates one.

With --config, the tokens are those of the file's InitConfiguration
bootstrapTokens instead: all are created and the first is printed.`,
		Example: `  # A token for joining nodes, valid for 2 hours, with the join command to use
  kubeadm token create --ttl 2h --print-join-command

  # A token that never expires, for authentication only
  kubeadm token create abcdef.0123456789abcdef --ttl 0 --usages authentication --description "CI nodes"`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var list []kubeadm.BootstrapToken
			if configPath != "" {
				if err := notWithConfig(cmd, args, "ttl", "usages", "groups", "description"); err != nil {
					return err
				}
				var err error
				var warnings []string
				if list, warnings, err = tokens.FromInitConfig(configPath); err != nil {
					return err
				}
				for _, w := range warnings {
					fmt.Fprintln(s.errOut, "WARNING:", w)
				}
			} else {
				t := kubeadm.BootstrapToken{Description: description, Usages: usages, Groups: groups, TTL: &metav1.Duration{Duration: ttl.d}}
				var err error
				if len(args) == 1 {
					if t.Token, err = kubeadm.ParseBootstrapToken(args[0]); err != nil {
						return err
					}
				} else if t.Token, err = kubeadm.NewBootstrapTokenString(); err != nil {
					return err
				}
				kubeadm.SetBootstrapTokenDefaults(&t)
				if err := tokenFlagErrors(kubeadm.ValidateBootstrapToken(&t)); err != nil {
					return err
				}
				list = []kubeadm.BootstrapToken{t}
			}
			if certificateKey != "" {
				if errs := kubeadm.ValidateCertificateKey(certificateKey, field.NewPath("certificateKey")); len(errs) > 0 {
					return fmt.Errorf("--certificate-key: %s", errs[0].Detail)
				}
				if !printJoin {
					return fmt.Errorf("--certificate-key is only used with --print-join-command")
				}
			}
			client, err := newClient()
			if err != nil {
				return err
			}
			for _, t := range list {
				if err := tokens.Create(cmd.Context(), client, t, time.Now()); err != nil {
					return err
				}
				// The token is made; signing it is a head start on
				// kube-controller-manager's bootstrap signer, so it is
				// bounded and its failure only warns.
				sctx, cancel := context.WithTimeout(cmd.Context(), signTimeout)
				err := tokens.Sign(sctx, client, t, time.Now())
				cancel()
				if err != nil {
					fmt.Fprintf(s.errOut, "WARNING: %v; the bootstrap signer of kube-controller-manager will add it\n", err)
				}
			}
			first := list[0].Token.String()
			if !printJoin {
				fmt.Fprintln(s.out, first)
				return nil
			}
			path := kubeconfig() // the file the client uses
			cfg, err := clientcmd.LoadFromFile(path)
			if err != nil {
				return fmt.Errorf("load %s: %w", path, err)
			}
			join, err := tokens.JoinCommand(cfg, first, certificateKey)
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, join.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "Path to a kubeadm configuration file: create every token of its InitConfiguration bootstrapTokens and print the first.")
	cmd.Flags().Var(ttl, "ttl", "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). If set to '0', the token will never expire")
	cmd.Flags().StringVar(&description, "description", "", "A human friendly description of how this token is used.")
	cmd.Flags().StringSliceVar(&usages, "usages", []string{"signing", "authentication"}, "Describes the ways in which this token can be used. You can pass --usages multiple times or provide a comma separated list of options. Valid options: [signing,authentication]")
	cmd.Flags().StringSliceVar(&groups, "groups", []string{constants.NodeBootstrapTokenAuthGroup}, "Extra groups that this token will authenticate as when used for authentication. Must match \"\\\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\\\z\"")
	cmd.Flags().BoolVar(&printJoin, "print-join-command", false, "Instead of printing only the token, print the full 'kubeadm join' flag needed to join the cluster using the token.")
	cmd.Flags().StringVar(&certificateKey, "certificate-key", "", "When used together with '--print-join-command', print the full 'kubeadm join' flag needed to join the cluster as a control-plane. To create a new certificate key you must use 'kubeadm init phase upload-certs --upload-certs'.")
	return cmd
}

// newTokenList builds `kubeadm token list` (-o text|json|yaml).
func newTokenList(s streams, newClient func() (clientset.Interface, error)) *cobra.Command {
	var output *listOutput
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List bootstrap tokens on the server",
		Long: `List the bootstrap tokens on the server: each token with the time it has left,
when it expires, its usages, description and extra groups. -o json and -o yaml
print one output.kubeadm.k8s.io/v1alpha3 BootstrapToken object per token.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			client, err := newClient()
			if err != nil {
				return err
			}
			list, skipped, err := tokens.List(cmd.Context(), client)
			if err != nil {
				return err
			}
			for _, sk := range skipped {
				fmt.Fprintln(s.errOut, "WARNING: skipped", sk)
			}
			format := output.builtin()
			if output.templated() {
				format = "json"
			}
			b, err := tokens.Format(list, format, time.Now())
			if err != nil {
				return err
			}
			if output.templated() {
				return output.printJSON(s.out, b)
			}
			_, err = s.out.Write(b)
			return err
		},
	}
	output = addListOutput(cmd)
	return cmd
}

// newTokenDelete builds `kubeadm token delete`.
func newTokenDelete(s streams, newClient func() (clientset.Interface, error)) *cobra.Command {
	return &cobra.Command{
		Use:                   "delete [token-value] ...",
		DisableFlagsInUseLine: true,
		Short:                 "Delete bootstrap tokens on the server",
		Long: `Delete bootstrap tokens on the server.

Each [token-value] is a full token ("[a-z0-9]{6}.[a-z0-9]{16}") or a token ID
("[a-z0-9]{6}"). All of them are checked before any is deleted.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf(`missing the token to delete: kubeadm token delete <token>, where <token> is a token ("[a-z0-9]{6}.[a-z0-9]{16}") or its ID ("[a-z0-9]{6}"); 'kubeadm token list' shows them`)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ids := make([]string, len(args))
			for i, a := range args {
				id, err := tokens.TokenID(a)
				if err != nil {
					return err
				}
				ids[i] = id
			}
			client, err := newClient()
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := tokens.Delete(cmd.Context(), client, id); err != nil {
					return err
				}
				fmt.Fprintf(s.out, "bootstrap token %q deleted\n", id)
			}
			return nil
		},
	}
}

// newTokenGenerate builds `kubeadm token generate`, which needs no cluster.
func newTokenGenerate(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "generate",
		Short: "Generate and print a bootstrap token, but do not create it on the server",
		Long: `Print a randomly generated bootstrap token, for "kubeadm init --token" or
"kubeadm join --token". Nothing is created on the server.

Any token of the form "[a-z0-9]{6}.[a-z0-9]{16}" will do; this command is a
convenience. "kubeadm init" without --token generates one itself.`,
		Args: cobra.NoArgs,
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

// findKubeconfig picks the token commands' kubeconfig in upstream's order:
// --kubeconfig when given; else the first that exists of $KUBECONFIG's
// files (or ~/.kube/config when it is unset) and /etc/kubernetes/admin.conf;
// when none exists, the first of them.
func findKubeconfig(given bool, flag string) string {
	if given {
		return flag
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.Precedence = append(rules.Precedence, defaultKubeconfig)
	return rules.GetDefaultFilename()
}
