package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdbackup"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdmember"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdrestore"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// etcdEnv is where the etcd commands find the node (tests point it at a
// temporary directory).
type etcdEnv struct {
	kubernetesDir string
	upgradeDir    string // where upgrades keep their snapshots
}

func newEtcd(s streams) *cobra.Command {
	env := &etcdEnv{kubernetesDir: constants.KubernetesDir, upgradeDir: filepath.Join(constants.KubernetesDir, "tmp")}
	cmd := &cobra.Command{
		Use:   "etcd",
		Short: "Back up, inspect and restore the control plane's etcd",
		Long: `Back up, inspect and restore the etcd cluster of a control plane with a local
(stacked) etcd member: snapshots with what a restore needs (the cluster CAs,
service-account keys, etcd CA and ClusterConfiguration), the members and their
health, and a restore after data loss or a lost quorum.

Upstream kubeadm has no such command; its guide uses etcdctl by hand.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	snap := &cobra.Command{Use: "snapshot", Short: "Save and list etcd backups", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	snap.AddCommand(newEtcdSnapshotSave(s, env), newEtcdSnapshotList(s, env))
	member := &cobra.Command{Use: "member", Short: "List and remove etcd members", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	member.AddCommand(newEtcdMemberList(s, env), newEtcdMemberRemove(s, env))
	cmd.AddCommand(snap, member, newEtcdRestore(s, env))
	return cmd
}

// keyFlags are the encryption key flags of save and restore.
type keyFlags struct{ key, file string }

func (k *keyFlags) register(fs *pflag.FlagSet, what string) {
	fs.StringVar(&k.key, "encryption-key", "", "A 32-byte key as 64 hexadecimal characters (as 'kubeadm certs certificate-key' prints one) that "+what+" the backup with AES-256-GCM.")
	fs.StringVar(&k.file, "encryption-key-file", "", "A file holding the --encryption-key, so that it stays out of the process list.")
}

// decode returns the key, nil when none was given.
func (k *keyFlags) decode() ([]byte, error) {
	hexKey, flag := k.key, "--encryption-key"
	if k.key != "" && k.file != "" {
		return nil, fmt.Errorf("--encryption-key and --encryption-key-file are mutually exclusive: give one")
	}
	if k.file != "" {
		b, err := os.ReadFile(k.file)
		if err != nil {
			return nil, fmt.Errorf("--encryption-key-file: %w", err)
		}
		hexKey, flag = strings.TrimSpace(string(b)), "--encryption-key-file "+k.file
	}
	if hexKey == "" {
		return nil, nil
	}
	key, err := uploadcerts.DecodeKey(hexKey)
	if err != nil {
		return nil, fmt.Errorf("%s: the key must be 64 hexadecimal characters (32 bytes); 'kubeadm certs certificate-key' prints one", flag)
	}
	return key, nil
}

// localEtcdClient reads this node's etcd member from its manifest and
// connects to it with the API server's client certificate.
func (e *etcdEnv) localEtcdClient() (etcdpod.Member, *etcd.Client, error) {
	m, err := etcdbackup.LocalMember(e.kubernetesDir)
	if err != nil {
		return m, nil, err
	}
	c, err := etcd.NewFromPKI(m.ClientURLs, m.PKIDir, 5*time.Second)
	return m, c, err
}

func newEtcdSnapshotSave(s streams, env *etcdEnv) *cobra.Command {
	var dir, kubeconfig string
	var keep int
	var quiet bool
	var key keyFlags
	cmd := &cobra.Command{
		Use:   "save",
		Short: "Take an etcd backup on this control-plane node",
		Long: `Take a snapshot of the local etcd member through the etcd API, check its
integrity, and write it with the cluster CAs, service-account keys, etcd CA and
the ClusterConfiguration as one file, atomically and with mode 0600, named
` + etcdbackup.Prefix + `<node>-<time>` + etcdbackup.Ext + ` in --output-dir. The file records the
revision, size, member, Kubernetes version and time.

The backup holds private keys: encrypt it with --encryption-key or
--encryption-key-file when it leaves the node. For a cron job or systemd timer,
-q prints nothing on success; a failure exits non-zero with one line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := key.decode()
			if err != nil {
				return err
			}
			if keep < 0 {
				return fmt.Errorf("--keep %d: give the number of backups to keep (0 keeps all)", keep)
			}
			m, c, err := env.localEtcdClient()
			if err != nil {
				return err
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			o := etcdbackup.SaveOptions{Dir: dir, Key: k, Keep: keep, Node: m.Name, Endpoint: m.ClientURLs[0], CertsDir: m.PKIDir, LocalEtcd: true,
				KubernetesVersion: etcdbackup.KubernetesVersion(env.kubernetesDir)}
			if client, err := apiclient.FromKubeconfig(kubeconfig); err == nil {
				cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
				o.ClusterConfiguration, err = etcdbackup.ClusterConfiguration(cctx, client)
				ccancel()
				if err != nil {
					fmt.Fprintf(s.errOut, "WARNING: the backup holds no ClusterConfiguration: %v\n", err)
				}
			} else {
				fmt.Fprintf(s.errOut, "WARNING: the backup holds no ClusterConfiguration: %v\n", err)
			}
			saved, err := etcdbackup.Save(ctx, c, o)
			if err != nil {
				return err
			}
			if quiet {
				return nil
			}
			md := saved.Metadata
			enc := "not encrypted"
			if md.Encrypted {
				enc = "encrypted (AES-256-GCM)"
			}
			fmt.Fprintf(s.out, "[etcd] backup %s: revision %d, %d keys, snapshot %d bytes, member %s (%s), Kubernetes %s, %s\n",
				saved.Path, md.Revision, md.TotalKeys, md.SnapshotSize, md.MemberName, md.MemberID, orUnknown(md.KubernetesVersion), enc)
			for _, p := range saved.Pruned {
				fmt.Fprintf(s.out, "[etcd] removed the older backup %s (--keep %d)\n", p, keep)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "output-dir", etcdbackup.DefaultDir, "The directory the backup is written into.")
	cmd.Flags().IntVar(&keep, "keep", 0, "Keep this many backups in --output-dir, removing the oldest (0 keeps all).")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Print nothing on success.")
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", filepath.Join(constants.KubernetesDir, constants.AdminKubeConfig), "The kubeconfig file used to read the ClusterConfiguration.")
	key.register(cmd.Flags(), "encrypts")
	return cmd
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func newEtcdSnapshotList(s streams, env *etcdEnv) *cobra.Command {
	var dir string
	var output *listOutput
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the etcd backups on this node",
		Long: `List the backups in --dir and the snapshots that upgrades took before they
replaced etcd (in ` + env.upgradeDir + `), oldest first, with their revision, key
count, size, node and whether they are encrypted. Keys are never shown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			list, err := etcdbackup.List(dir, env.upgradeDir)
			if err != nil {
				return err
			}
			objs := make([]any, len(list))
			for i := range list {
				objs[i] = listed{Kind: "EtcdBackup", Entry: list[i]}
			}
			return printListing(s, output, objs, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "CREATED\tKIND\tREVISION\tKEYS\tSIZE\tNODE\tENCRYPTED\tPATH")
				for _, e := range list {
					if e.Problem != "" {
						fmt.Fprintf(w, "%s\t%s\t-\t-\t-\t-\t-\t%s (unreadable: %s)\n", e.Created.Format(time.RFC3339), e.Kind, e.Path, e.Problem)
						continue
					}
					fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%s\t%v\t%s\n", e.Created.Format(time.RFC3339), e.Kind, e.Revision, e.TotalKeys, e.SnapshotSize, orDash(e.Node), e.Encrypted, e.Path)
				}
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", etcdbackup.DefaultDir, "The directory holding the backups.")
	output = addListOutput(cmd)
	return cmd
}

// listed is a listing's item in -o json|yaml: the kind first, then the
// item's fields.
type listed struct {
	Kind string `json:"kind"`
	etcdbackup.Entry
}

type listedMember struct {
	Kind string `json:"kind"`
	etcdmember.Row
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printListing prints objs as -o asks: one JSON or YAML document per item,
// a template per item, or the text table.
func printListing(s streams, output *listOutput, objs []any, table func(w *tabwriter.Writer)) error {
	switch {
	case output.templated() || output.builtin() == "json":
		var buf strings.Builder
		for _, o := range objs {
			b, err := json.MarshalIndent(o, "", "  ")
			if err != nil {
				return err
			}
			buf.Write(b)
			buf.WriteString("\n")
		}
		if output.templated() {
			return output.printJSON(s.out, []byte(buf.String()))
		}
		_, err := fmt.Fprint(s.out, buf.String())
		return err
	case output.builtin() == "yaml":
		for _, o := range objs {
			b, err := yaml.Marshal(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "---\n%s", b)
		}
		return nil
	}
	w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	table(w)
	return w.Flush()
}

func newEtcdMemberList(s streams, env *etcdEnv) *cobra.Command {
	var output *listOutput
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the etcd members with their health",
		Long: `List the members of the etcd cluster, asked through this node's member: ID,
name, peer and client URLs, voter or learner, leader, database size and health.
It works without quorum, so that a cluster that lost members can be inspected.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			_, c, err := env.localEtcdClient()
			if err != nil {
				return err
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			rows, err := etcdmember.List(ctx, c)
			if err != nil {
				return err
			}
			objs := make([]any, len(rows))
			for i := range rows {
				objs[i] = listedMember{Kind: "EtcdMember", Row: rows[i]}
			}
			return printListing(s, output, objs, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "ID\tNAME\tPEER URLS\tCLIENT URLS\tROLE\tLEADER\tDB SIZE\tHEALTH")
				for _, r := range rows {
					health := "healthy"
					if !r.Healthy {
						health = "unhealthy: " + r.Problem
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\t%d\t%s\n", r.ID, orDash(r.Name), strings.Join(r.PeerURLs, ","), orDash(strings.Join(r.ClientURLs, ",")), r.Role, r.Leader, r.DBSize, health)
				}
			})
		},
	}
	output = addListOutput(cmd)
	return cmd
}

func newEtcdMemberRemove(s streams, env *etcdEnv) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "remove <name|id>",
		Short: "Remove a dead etcd member",
		Long: `Remove the etcd member with this name or hexadecimal ID. It is refused when
the remaining voters would not form an answering quorum, and when the member is
this node's own while it is healthy, unless --force.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || args[0] == "" {
				return fmt.Errorf("give one member to remove, by name or hexadecimal ID: kubeadm etcd member remove <name|id>; 'kubeadm etcd member list' shows them")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			self, c, err := env.localEtcdClient()
			if err != nil {
				return err
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			m, err := etcdmember.Remove(ctx, c, args[0], self, force)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "[etcd] removed the member %s\n", m)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Remove the member even if quorum is at risk or it is this node's healthy member.")
	return cmd
}

func newEtcdRestore(s streams, env *etcdEnv) *cobra.Command {
	var from, configPath, nodeName, advertise string
	var ignore []string
	var force bool
	var key keyFlags
	deps := etcdrestore.Deps{}
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Bring the control plane back from an etcd backup, or from the last member left",
		Long: `Restore etcd on this control-plane node and bring its control plane back.

With --from <backup> (a file 'etcd snapshot save' wrote, or the snapshot.db an
upgrade kept), the local member's data is replaced by the backup's snapshot:
the cluster is as it was at the backup's revision, and later writes are lost.
Without --from, the local member keeps its own data and becomes a cluster of one
(etcd's --force-new-cluster): use it on the last control plane left when the
others are lost for good and quorum with them.

On a node without a control plane, when every control plane is lost, --from
rebuilds the first one from the backup: the backup's CAs, service-account keys
and etcd CA are written (so that workers and ServiceAccount tokens keep
working), its snapshot becomes this node's etcd data, and init runs with this
node's InitConfiguration (--config, or --node-name and
--apiserver-advertise-address) and the backup's ClusterConfiguration. Keep the
controlPlaneEndpoint: the workers reconnect through it without re-joining.

The static Pods are stopped, the data is restored (the old data is kept under
/etc/kubernetes/tmp), etcd starts as the only member, the API server comes back,
and the Node objects of the control planes whose members were dropped are
removed. Then new control planes join with 'kubeadm join --control-plane'.

A restore over a member that is healthy in a cluster with quorum is refused
unless --force, as is a backup of another cluster, a damaged one, or one the
key does not open.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := key.decode()
			if err != nil {
				return err
			}
			if k != nil && from == "" {
				return fmt.Errorf("--encryption-key opens a backup: give the backup with --from")
			}
			d := deps
			d.KubernetesDir = env.kubernetesDir
			out := &progress.Human{W: s.out}
			if etcdrestore.HasLocalMember(env.kubernetesDir) {
				if bad := changed(cmd, "config", "node-name", "apiserver-advertise-address", "ignore-preflight-errors"); len(bad) > 0 {
					return fmt.Errorf("%s: only for rebuilding a control plane on a node without one; this node runs an etcd member", strings.Join(bad, ", "))
				}
				return etcdrestore.Run(cmd.Context(), etcdrestore.Options{From: from, Key: k, Force: force, Out: out, Deps: d})
			}
			return rebuildControlPlane(cmd, s, etcdrestore.RebuildOptions{From: from, Key: k, NodeName: nodeName, AdvertiseAddress: advertise, Host: localHost, Out: out, Deps: d}, configPath, ignore)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "The backup to restore; without it the local member's own data is kept and made a cluster of one.")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Restore even over a member that is healthy in a cluster with quorum.")
	cmd.Flags().StringVar(&configPath, "config", "", "Rebuilding on a node without a control plane: a file with this node's InitConfiguration.")
	cmd.Flags().StringVar(&nodeName, "node-name", "", "Rebuilding on a node without a control plane: this node's name (default: its hostname).")
	cmd.Flags().StringSliceVar(&ignore, "ignore-preflight-errors", nil, "Rebuilding on a node without a control plane: checks of init whose errors are warnings, as init's flag.")
	cmd.Flags().StringVar(&advertise, "apiserver-advertise-address", "", "Rebuilding on a node without a control plane: the address its API server advertises (default: that of the default route).")
	key.register(cmd.Flags(), "opens")
	return cmd
}

// changed lists the flags among names that were given.
func changed(cmd *cobra.Command, names ...string) []string {
	var out []string
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			out = append(out, "--"+n)
		}
	}
	return out
}

// rebuildControlPlane builds the first control plane of a lost cluster
// from a backup on this node: the restore prepares the certificates and
// etcd's data, init builds the control plane on them, the restore cleans
// up after it.
func rebuildControlPlane(cmd *cobra.Command, s streams, o etcdrestore.RebuildOptions, configPath string, ignore []string) error {
	if o.From == "" {
		return fmt.Errorf("this node runs no etcd member: to rebuild a lost cluster's control plane here, give its backup with --from")
	}
	if configPath != "" {
		if bad := changed(cmd, "node-name", "apiserver-advertise-address"); len(bad) > 0 {
			return fmt.Errorf("can not mix --config with %s: put them in the InitConfiguration", strings.Join(bad, ", "))
		}
		b, err := os.ReadFile(configPath)
		if err != nil {
			return fmt.Errorf("--config: %w", err)
		}
		o.InitConfiguration = b
	}
	r, err := etcdrestore.PrepareRebuild(o)
	if err != nil {
		return err
	}
	init := newInit(s)
	skip := strings.Join(append(ignore, r.IgnorePreflight), ",")
	init.SetArgs([]string{"--config", r.ConfigPath, "--ignore-preflight-errors=" + skip})
	init.SilenceErrors, init.SilenceUsage = true, true
	if err := init.ExecuteContext(cmd.Context()); err != nil {
		return fmt.Errorf("init on the restored data: %w (run 'kubeadm init --config %s --ignore-preflight-errors=%s' again to continue)", err, r.ConfigPath, skip)
	}
	return r.Finish(cmd.Context())
}
