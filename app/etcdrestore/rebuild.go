package etcdrestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdbackup"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// RebuildOptions say how a new node takes over a cluster whose control
// planes are all lost.
type RebuildOptions struct {
	// From and Key name and open the backup; it must hold the certificates
	// and the ClusterConfiguration.
	From string
	Key  []byte
	// InitConfiguration is an InitConfiguration document for this node;
	// empty means one with NodeName and AdvertiseAddress (each defaulted
	// as init defaults it when empty).
	InitConfiguration []byte
	NodeName          string
	AdvertiseAddress  string
	Host              config.Host
	Out               progress.Reporter
	Deps
}

// Rebuild is what PrepareRebuild did: the configuration init is to run
// with, and what the cleanup after init needs.
type Rebuild struct {
	// ConfigPath is the init configuration: this node's InitConfiguration
	// and the backup's ClusterConfiguration.
	ConfigPath string
	// IgnorePreflight names the check init must skip: the etcd data
	// directory is not empty, it holds the restored data.
	IgnorePreflight string
	data            *Data
}

// PrepareRebuild readies a node without a control plane to become the
// first control plane of the cluster in a backup: it writes the backup's
// CAs, service-account keys and etcd CA (the same cluster identity, so that
// workers and ServiceAccount tokens keep working), restores the snapshot as
// the data of this node's etcd member, and writes the configuration for
// init. Everything is checked before anything is written.
func PrepareRebuild(o RebuildOptions) (*Rebuild, error) {
	o.Deps.defaults()
	d := &Data{Options: Options{From: o.From, Key: o.Key, Out: o.Out, Deps: o.Deps}, started: o.Now()}
	b, err := readBackup(o.From, o.Key)
	if err != nil {
		return nil, err
	}
	if len(b.ClusterConfiguration) == 0 || b.Files["ca.crt"] == nil || b.Files["ca.key"] == nil || b.Files["sa.key"] == nil {
		return nil, fmt.Errorf("the backup %s cannot rebuild a control plane: it must hold the ClusterConfiguration, ca.crt, ca.key and sa.key (a backup 'kubeadm etcd snapshot save' wrote, not an upgrade's snapshot)", o.From)
	}
	d.backup, d.before = b, b.Members
	cfg, text, err := rebuildConfig(o, b.ClusterConfiguration)
	if err != nil {
		return nil, err
	}
	if cfg.Cluster.Etcd.External != nil {
		return nil, errors.New("the cluster in the backup uses an external etcd: restore that etcd with its own tools, then run kubeadm init")
	}
	certs, dataDir := cfg.Cluster.CertificatesDir, cfg.Cluster.Etcd.Local.DataDir
	node := manifests.EtcdNode{Name: cfg.Init.NodeRegistration.Name, AdvertiseAddress: cfg.Init.LocalAPIEndpoint.AdvertiseAddress}
	if err := d.refuseBuilt(certs, dataDir); err != nil {
		return nil, err
	}
	d.recordDir = filepath.Join(d.KubernetesDir, "tmp", recordPrefix+d.started.UTC().Format("20060102T150405Z"))
	d.member = etcdpod.Member{Name: node.Name, PeerURLs: []string{node.PeerURL()}, DataDir: dataDir, PKIDir: certs}
	out := progress.Phase{R: o.Out, Name: "restore"}
	out.Infof("backup %s: revision %d, %d keys, taken %s%s", o.From, b.Revision, b.TotalKeys, b.Created.Format(time.RFC3339), onNode(b.Metadata))
	for _, f := range b.Metadata.Files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(f, ".key") {
			mode = 0o600
		}
		if err := atomicfile.Write(filepath.Join(certs, f), b.Files[f], mode); err != nil {
			return nil, fmt.Errorf("write the backup's %s: %w", f, err)
		}
	}
	out.Infof("wrote the cluster's CAs and service-account keys from the backup into %s", certs)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dataDir, err)
	}
	if err := runRestoreData(context.Background(), out, d); err != nil {
		return nil, err
	}
	r := &Rebuild{ConfigPath: filepath.Join(d.recordDir, "kubeadm.yaml"), IgnorePreflight: "DirAvailable-" + strings.ReplaceAll(dataDir, "/", "-"), data: d}
	if err := atomicfile.Write(r.ConfigPath, text, 0o600); err != nil {
		return nil, fmt.Errorf("write the init configuration: %w", err)
	}
	out.Infof("etcd member %s (%s) holds the backup's data; init runs with %s", node.Name, node.PeerURL(), r.ConfigPath)
	return r, nil
}

// rebuildConfig joins this node's InitConfiguration and the backup's
// ClusterConfiguration, and loads, defaults and validates them as init
// will.
func rebuildConfig(o RebuildOptions, cluster []byte) (*config.Init, []byte, error) {
	initDoc := o.InitConfiguration
	if len(initDoc) == 0 {
		var b strings.Builder
		b.WriteString("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n")
		if o.NodeName != "" {
			fmt.Fprintf(&b, "nodeRegistration:\n  name: %q\n", o.NodeName)
		}
		if o.AdvertiseAddress != "" {
			fmt.Fprintf(&b, "localAPIEndpoint:\n  advertiseAddress: %q\n", o.AdvertiseAddress)
		}
		initDoc = []byte(b.String())
	}
	mine := kinds(initDoc)
	if mine["ClusterConfiguration"] {
		return nil, nil, errors.New("--config: leave the ClusterConfiguration out: it comes from the backup; give this node's InitConfiguration (and, to change them, KubeletConfiguration or KubeProxyConfiguration)")
	}
	docs := []string{strings.TrimRight(string(initDoc), "\n") + "\n"}
	for i, doc := range splitDocs(cluster) {
		k := kinds([]byte(doc))
		if i == 0 && len(k) == 0 { // a ClusterConfiguration stored without its type
			doc = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n" + doc
		}
		skip := false
		for kind := range k {
			skip = skip || mine[kind]
		}
		if !skip {
			docs = append(docs, doc)
		}
	}
	text := []byte(strings.Join(docs, "---\n"))
	f, err := os.CreateTemp("", "kubeadm-restore-*.yaml")
	if err != nil {
		return nil, nil, err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.LoadInitFile(f.Name())
	if err != nil {
		return nil, nil, fmt.Errorf("the configuration for the new control plane: %w", err)
	}
	if err := cfg.Default(o.Host); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("the configuration for the new control plane: %w", err)
	}
	return cfg, text, nil
}

// refuseBuilt refuses a node that already holds a control plane, etcd
// data, or the CA of another cluster.
func (d *Data) refuseBuilt(certs, dataDir string) error {
	if ents, _ := os.ReadDir(d.manifestsDir()); len(ents) > 0 {
		return fmt.Errorf("%s is not empty: this node already runs static Pods; run 'kubeadm reset' first", d.manifestsDir())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "member")); err == nil {
		return fmt.Errorf("%s already holds etcd data: run 'kubeadm reset' first", dataDir)
	}
	if ca, err := os.ReadFile(filepath.Join(certs, "ca.crt")); err == nil {
		mine, err := etcdbackup.CAHash(ca)
		if err != nil || mine != d.backup.ClusterCAHash {
			return fmt.Errorf("%s holds another cluster's CA (%s, the backup's is %s): run 'kubeadm reset' first", filepath.Join(certs, "ca.crt"), mine, d.backup.ClusterCAHash)
		}
	}
	return nil
}

// Finish runs after init built the control plane on the restored data: it
// removes the Node objects of the lost control planes and says what was
// restored and lost.
func (r *Rebuild) Finish(ctx context.Context) error {
	d := r.data
	d.apiBack = d.Now()
	out := progress.Phase{R: d.Out, Name: "restore"}
	if err := runCleanup(ctx, out, d); err != nil {
		return err
	}
	d.summary()
	return nil
}

// HasLocalMember reports whether this node runs a local etcd member, or a
// restore that stopped it was cut short: then Run restores it; otherwise
// a new control plane is built with PrepareRebuild.
func HasLocalMember(kubernetesDir string) bool {
	d := &Data{Options: Options{Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: kubernetesDir}}}}
	if _, err := os.Stat(d.manifest(constants.Etcd)); err == nil {
		return true
	}
	return d.unfinished() != ""
}

var kindLine = regexp.MustCompile(`(?m)^kind:\s*(\S+)\s*$`)

// kinds are the kinds of the YAML documents in b.
func kinds(b []byte) map[string]bool {
	out := map[string]bool{}
	for _, m := range kindLine.FindAllSubmatch(b, -1) {
		out[string(m[1])] = true
	}
	return out
}

// splitDocs splits a multi-document YAML stream.
func splitDocs(b []byte) []string {
	var out []string
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		if d = strings.Trim(d, "\n"); strings.TrimSpace(d) != "" {
			out = append(out, d+"\n")
		}
	}
	return out
}
