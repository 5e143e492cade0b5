package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs/renewal"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

const renewLong = `Renew the %s.

Renewals run unconditionally, regardless of certificate expiration date. The new certificate
keeps the subject, SANs, key usages and private key of the existing one, so there is no need
to resupply them; it is signed by the certificate authority in the local PKI managed by kubeadm
and lasts certificateValidityPeriod (one year unless configured), but never beyond the expiry
of that certificate authority. A certificate that is absent is reported as MISSING, not created.

When the certificate authority's key is absent (external CA mode) kubeadm cannot renew the
certificate: sign a new one with your certificate authority instead.

After renewal, restart the control-plane components so that they use the new certificate, and
copy it again to wherever else the file is used.`

const renewAllLong = `Renew all known certificates necessary to run the control plane. Renewals are run unconditionally, regardless
of expiration date. Renewals can also be run individually for more control.

Each new certificate keeps the subject, SANs, key usages and private key of the existing one and
is signed by the local certificate authority that signed it. Absent files are reported as MISSING.
Certificates whose certificate authority key is absent (external CA mode) are not renewed, and the
command then ends with an error naming the absent key, after renewing the others.`

// certsFlags are the flags shared by renew and check-expiration.
type certsFlags struct {
	cfgPath, certDir, kubeconfig, kubeconfigDir string
}

func (f *certsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.cfgPath, "config", "", "Path to a kubeadm configuration file.")
	fs.StringVar(&f.certDir, "cert-dir", constants.DefaultCertsDir, "The path where to save the certificates")
	fs.StringVar(&f.kubeconfig, "kubeconfig", filepath.Join(constants.KubernetesDir, constants.AdminKubeConfig),
		"The kubeconfig file to use when talking to the cluster. Without --config the ClusterConfiguration is read from the cluster through it, falling back to the defaults when that fails. If the flag is not set, <kubeconfig-dir>/admin.conf is used.")
	fs.StringVar(&f.kubeconfigDir, "kubeconfig-dir", constants.KubernetesDir, "The path of the kubeconfig files whose certificates are handled (admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf).")
}

// options loads the cluster configuration (--config, else the cluster,
// else the defaults) and turns it into renewal options; notes about the
// cluster lookup go to notes, prefixed with [prefix].
func (f *certsFlags) options(cmd *cobra.Command, notes io.Writer, prefix string) (renewal.RenewOptions, error) {
	var fetch func(context.Context) (*kubeadm.ClusterConfiguration, error)
	kubeconfig := f.kubeconfig
	if !cmd.Flags().Changed("kubeconfig") {
		kubeconfig = filepath.Join(f.kubeconfigDir, constants.AdminKubeConfig)
	}
	if f.cfgPath == "" && pki.Exists(kubeconfig) {
		fmt.Fprintf(notes, "[%s] Reading configuration from the %q ConfigMap in namespace %q...\n", prefix, constants.KubeadmConfigConfigMap, constants.KubeSystemNamespace)
		fetch = func(ctx context.Context) (*kubeadm.ClusterConfiguration, error) {
			client, err := apiclient.FromKubeconfig(kubeconfig)
			if err != nil {
				return nil, err
			}
			ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			return uploadconfig.ReadClusterConfiguration(ctx, client)
		}
	}
	loaded, err := config.LoadCluster(cmd.Context(), f.cfgPath, fetch)
	if err != nil {
		return renewal.RenewOptions{}, err
	}
	for _, w := range loaded.Warnings {
		fmt.Fprintln(notes, "WARNING:", w)
	}
	if loaded.FetchErr != nil {
		fmt.Fprintf(notes, "[%s] Error reading configuration from the Cluster (%v). Falling back to default configuration\n\n", prefix, singleLine(loaded.FetchErr))
	} else if fetch != nil {
		fmt.Fprintln(notes)
	}
	if cmd.Flags().Changed("cert-dir") {
		if !filepath.IsAbs(f.certDir) {
			return renewal.RenewOptions{}, fmt.Errorf("--cert-dir: %q must be an absolute path", f.certDir)
		}
		loaded.Cluster.CertificatesDir = f.certDir
	}
	return renewal.OptionsFor(loaded.Cluster, f.kubeconfigDir), nil
}

func newCertsRenew(s streams) *cobra.Command {
	names := renewal.RenewableNames()
	allowed := strings.Join(names, ", ") + " or all"
	cmd := &cobra.Command{
		Use:   "renew",
		Short: "Renew certificates for a Kubernetes cluster",
		Long: `Renew the certificates kubeadm manages on this control-plane node: the leaf certificates
in the certificates directory and the client certificates embedded in the kubeconfig files.
Name one certificate, or "all". kubelet.conf is not renewed here: the kubelet rotates its
own client certificate.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown certificate %q: name one of %s", args[0], allowed)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("name the certificate to renew: %s", allowed)
		},
	}
	flags := &certsFlags{}
	for _, c := range renewal.Certs() {
		sub := &cobra.Command{
			Use:   c.Name,
			Short: "Renew the " + c.LongName,
			Long:  fmt.Sprintf(renewLong, c.LongName),
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runRenew(cmd, s, flags, []string{c.Name})
			},
		}
		flags.register(sub.Flags())
		cmd.AddCommand(sub)
	}
	all := &cobra.Command{
		Use:   "all",
		Short: "Renew all available certificates",
		Long:  renewAllLong,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runRenew(cmd, s, flags, nil) },
	}
	flags.register(all.Flags())
	cmd.AddCommand(all)
	return cmd
}

// runRenew renews names (nil: all) and prints a line for each, as upstream
// does. Certificates of an external CA make it fail at the end, with one
// line naming the absent CA keys.
func runRenew(cmd *cobra.Command, s streams, flags *certsFlags, names []string) error {
	opts, err := flags.options(cmd, s.out, "renew")
	if err != nil {
		return err
	}
	results, renewErr := renewal.Renew(opts, names)
	external := map[string][]string{}
	var keys []string
	for _, r := range results {
		switch r.Status {
		case renewal.StatusRenewed:
			fmt.Fprintf(s.out, "%s renewed\n", r.LongName)
			if r.CappedAtCA {
				fmt.Fprintf(s.out, "  valid only until %s, when its certificate authority %s expires\n", r.NotAfter.UTC().Format("Jan 02, 2006 15:04 MST"), r.CAName)
			}
		case renewal.StatusMissing:
			fmt.Fprintf(s.out, "MISSING! %s\n", r.LongName)
		case renewal.StatusExternalEtcd:
			fmt.Fprintf(s.out, "Skipped the %s: etcd is external\n", r.LongName)
		case renewal.StatusExternalCA:
			if external[r.CAKeyPath] == nil {
				keys = append(keys, r.CAKeyPath)
			}
			external[r.CAKeyPath] = append(external[r.CAKeyPath], r.Name)
		}
	}
	if renewErr != nil {
		return renewErr
	}
	if names == nil {
		fmt.Fprintf(s.out, "\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n")
	}
	if len(keys) > 0 {
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s (CA key %s is missing)", strings.Join(external[k], ", "), k))
		}
		return fmt.Errorf("cannot renew %s: external CA mode, sign new certificates with that CA", strings.Join(parts, "; "))
	}
	return nil
}

func newCertsCheckExpiration(s streams) *cobra.Command {
	flags := &certsFlags{}
	var output *listOutput
	cmd := &cobra.Command{
		Use:   "check-expiration",
		Short: "Check certificates expiration for a Kubernetes cluster",
		Long: `Checks expiration for the certificates in the local PKI managed by kubeadm.

The first table lists the certificates kubeadm renews (see "kubeadm certs renew") with their
expiration date, the time left, the certificate authority that signs them and whether they are
externally managed (that authority's key is absent, so kubeadm cannot renew them); the second
lists the certificate authorities. Absent files are shown as !MISSING!. -o json and -o yaml print
an output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo object.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			notes := s.out
			if output.builtin() != "text" {
				notes = s.errOut
			}
			opts, err := flags.options(cmd, notes, "check-expiration")
			if err != nil {
				return err
			}
			info, err := renewal.CheckExpiration(opts)
			if err != nil {
				return err
			}
			if output.templated() {
				var b bytes.Buffer
				if err := printExpiration(&b, "json", info); err != nil {
					return err
				}
				return output.printJSON(s.out, b.Bytes())
			}
			return printExpiration(s.out, output.builtin(), info)
		},
	}
	flags.register(cmd.Flags())
	output = addListOutput(cmd)
	return cmd
}

// printExpiration writes the report as text, or as JSON (indented by four
// spaces, as upstream's printer does) or YAML.
func printExpiration(w io.Writer, output string, info *renewal.ExpirationInfo) error {
	var data []byte
	var err error
	switch output {
	case "json":
		data, err = json.MarshalIndent(info, "", "    ")
		data = append(data, '\n')
	case "yaml":
		data, err = yaml.Marshal(info)
	default:
		data = []byte(info.Text())
	}
	if err != nil {
		return fmt.Errorf("encode the expiration report: %w", err)
	}
	_, err = w.Write(data)
	return err
}

// singleLine flattens a multi-line error message.
func singleLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
