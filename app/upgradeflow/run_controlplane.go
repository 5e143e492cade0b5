package upgradeflow

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs/renewal"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/waitcontrolplane"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/upgrade"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// steps renders the target manifest of each component of this node.
func (d *Data) steps(ctx context.Context, out progress.Phase) ([]upgrade.Step, error) {
	localEtcd := d.lcp.Etcd != nil
	rootless := &users.Rootless{Files: d.Users, Owner: d.Owner, DryRun: d.Settings.DryRun}
	paths := users.PathsOf(d.cluster, d.certsDir(), d.KubernetesDir)
	if d.lcp.Etcd != nil {
		paths.LocalEtcd, paths.EtcdDataDir = true, d.lcp.EtcdDataDir
	}
	var steps []upgrade.Step
	for _, c := range upgrade.Components(localEtcd) {
		if c.Name == constants.Etcd && !d.Settings.EtcdUpgrade {
			out.Infof("etcd: left as it is (--etcd-upgrade=false)")
			continue
		}
		opts, err := rootless.Options(ctx, out, d.cluster, c.Name, paths)
		if err != nil {
			return nil, err
		}
		target, err := Render(d.cluster, d.lcp, c.Name, opts, d.run.Patches)
		if err != nil {
			return nil, err
		}
		s := upgrade.Step{Component: c.Name, Target: target}
		if c.Name == constants.Etcd {
			s.StopFirst = []string{constants.KubeAPIServer}
		}
		if d.Settings.CertificateRenewal {
			names := renewal.ComponentNames(c.Name, !localEtcd)
			s.Renew = func() error { return d.renew(out, names) }
		}
		steps = append(steps, s)
	}
	return steps, nil
}

func runControlPlane(ctx context.Context, out progress.Phase, d *Data) error {
	steps, err := d.steps(ctx, out)
	if err != nil {
		return err
	}
	store := &fileStore{dir: d.run.ManifestsDir, backupDir: d.backupDir("manifests")}
	changed := false
	for _, s := range steps {
		cur, err := store.Read(s.Component)
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, s.Target) {
			changed = true
			if d.Settings.DryRun {
				out.Infof("would upgrade %s: %s -> %s", s.Component, imageOf(cur), imageOf(s.Target))
				path := filepath.Join(d.DryRunDir, constants.ManifestsSubDir, s.Component+".yaml")
				if err := atomicfile.Write(path, s.Target, 0o600); err != nil {
					return err
				}
			}
		}
	}
	if d.Settings.DryRun || !changed {
		if !changed {
			out.Infof("every control-plane manifest of this node is already at %s", d.target)
		}
		return nil
	}
	r := &upgrade.Rollout{Manifests: store, Timeout: d.Timeouts.UpgradeManifests.Duration, Infof: out.Infof}
	c, err := d.apiClient()
	if err != nil {
		return err
	}
	ep := d.lcp.Endpoint
	w := &mirrorWatcher{client: c, nodeName: d.node, apiAddress: net.JoinHostPort(ep.AdvertiseAddress, strconv.Itoa(int(ep.BindPort))),
		get: d.HTTPGet, health: map[string]string{}, criSocket: d.criSocket(), podsDir: filepath.Join(d.KubeletDir, "pods"),
		dial: d.Runtime, listening: d.Listening,
		shutdownDelay: manifests.APIServerShutdownDelay(d.cluster)}
	for _, ch := range waitcontrolplane.ComponentChecks(ep.AdvertiseAddress, ep.BindPort) {
		w.health[ch.Name] = ch.URL
	}
	// The API server must be ready, not only alive.
	w.health[constants.KubeAPIServer] = "https://" + w.apiAddress + "/readyz"
	if d.lcp.Etcd != nil {
		w.etcdAddress, w.etcdDataDir = d.lcp.Etcd.AdvertiseAddress, d.lcp.EtcdDataDir
		w.etcd = d.localEtcd
		single, err := d.backupEtcd(ctx, out)
		if err != nil {
			return err
		}
		if single {
			snap, lcp, failed := d.SnapshotPath, d.lcp, d.backupDir("etcd")
			r.Backup = snap
			r.RestoreEtcd = func(context.Context) error {
				kept, err := restoreSnapshot(snap, lcp, failed)
				if kept != "" {
					out.Infof("etcd: the data etcd had when the upgrade failed is kept in %s", kept)
				}
				return err
			}
		}
	}
	r.Watcher = w
	defer w.close()
	if err := r.Run(ctx, steps); err != nil {
		return err
	}
	if d.Settings.CertificateRenewal {
		return d.renew(out, []string{"admin.conf", "super-admin.conf"})
	}
	return nil
}

// localEtcd connects to this node's etcd member only.
func (d *Data) localEtcd() (EtcdClient, error) {
	return d.Etcd([]string{d.lcp.Etcd.ClientURL()}, d.certsDir(), 2*time.Second)
}

// backupEtcd snapshots the local etcd member through the snapshot API and
// reports whether it is the cluster's only member.
func (d *Data) backupEtcd(ctx context.Context, out progress.Phase) (single bool, err error) {
	c, err := d.localEtcd()
	if err != nil {
		return false, err
	}
	defer c.Close()
	mctx, cancel := context.WithTimeout(ctx, d.Timeouts.EtcdAPICall.Duration)
	members, err := c.Members(mctx)
	cancel()
	if err != nil {
		return false, fmt.Errorf("list etcd members before the backup: %w", err)
	}
	path := filepath.Join(d.backupDir("etcd"), "snapshot.db")
	start := d.Now()
	size, err := saveSnapshot(ctx, c, path)
	if err != nil {
		return false, err
	}
	d.SnapshotPath = path
	out.Infof("etcd backup (snapshot of member %s, %d bytes, %s): %s", d.lcp.Etcd.Name, size, d.Now().Sub(start).Round(time.Millisecond), path)
	return len(members) == 1, nil
}

func imageOf(manifest []byte) string {
	p, err := manifests.Unmarshal(manifest)
	if err != nil || len(p.Spec.Containers) == 0 {
		return "?"
	}
	return p.Spec.Containers[0].Image
}

// fileStore is the static Pod directory, with backups in backupDir.
type fileStore struct{ dir, backupDir string }

func (f *fileStore) path(c string) string { return filepath.Join(f.dir, c+".yaml") }

// Read returns the component's manifest. A manifest that is missing
// because an earlier upgrade stopped between taking it away and writing
// its successor is read from that upgrade's newest backup, so that the
// run converges.
func (f *fileStore) Read(c string) ([]byte, error) {
	b, err := os.ReadFile(f.path(c))
	if os.IsNotExist(err) {
		backups, _ := filepath.Glob(filepath.Join(filepath.Dir(f.backupDir), "kubeadm-backup-manifests-*", c+".yaml"))
		sort.Strings(backups)
		if len(backups) > 0 {
			return os.ReadFile(backups[len(backups)-1])
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read the %s manifest: %w", c, err)
	}
	return b, nil
}

func (f *fileStore) Write(c string, b []byte) error { return atomicfile.Write(f.path(c), b, 0o600) }

func (f *fileStore) Remove(c string) error {
	if err := os.Remove(f.path(c)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove the %s manifest: %w", c, err)
	}
	return nil
}

func (f *fileStore) Backup(c string, b []byte) (string, error) {
	if err := os.MkdirAll(f.backupDir, 0o700); err != nil {
		return "", fmt.Errorf("create manifest backup directory: %w", err)
	}
	p := filepath.Join(f.backupDir, c+".yaml")
	return p, atomicfile.Write(p, b, 0o600)
}
