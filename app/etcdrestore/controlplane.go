package etcdrestore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdbackup"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// runStop moves the control plane's manifests into the record directory,
// so that the kubelet stops the Pods, and waits until etcd and the API
// server no longer listen and etcd's database is unlocked. The API server
// goes first, while etcd still serves: without etcd, its graceful
// shutdown hangs until the kubelet kills it at the end of the grace
// period (30 s); with etcd it closes its port after its shutdown delay.
func runStop(ctx context.Context, out progress.Phase, d *Data) error {
	if err := os.MkdirAll(d.recordDir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", d.recordDir, err)
	}
	if err := d.stop(constants.KubeAPIServer); err != nil {
		return err
	}
	apiAddr, _ := apiServerAddress(filepath.Join(d.recordDir, constants.KubeAPIServer+".yaml"))
	if apiAddr != "" {
		t0 := d.Now()
		if err := d.poll(ctx, "wait for kube-apiserver to stop", func(context.Context) error {
			if d.Listening(apiAddr) {
				return fmt.Errorf("kube-apiserver still answers on %s", apiAddr)
			}
			return nil
		}); err != nil {
			return err
		}
		out.Infof("kube-apiserver stopped listening on %s %s after its manifest went", apiAddr, d.Now().Sub(t0).Round(100*time.Millisecond))
	}
	for _, c := range components[1:] {
		if err := d.stop(c); err != nil {
			return err
		}
	}
	out.Infof("stopped %s: their manifests are in %s", strings.Join(d.stopped, ", "), d.recordDir)
	etcdAddr := hostPort(d.member.ClientURLs[0])
	db := filepath.Join(d.member.DataDir, "member", "snap", "db")
	t0 := d.Now()
	if err := d.poll(ctx, "wait for etcd to stop", func(context.Context) error {
		switch {
		case d.Listening(etcdAddr):
			return fmt.Errorf("etcd still answers on %s", etcdAddr)
		case !d.Unlocked(db):
			return fmt.Errorf("%s is still locked by etcd", db)
		}
		return nil
	}); err != nil {
		return err
	}
	out.Infof("etcd stopped and let go of %s %s after its manifest went", db, d.Now().Sub(t0).Round(100*time.Millisecond))
	return nil
}

// stop moves component's manifest into the record directory.
func (d *Data) stop(c string) error {
	kept := filepath.Join(d.recordDir, c+".yaml")
	if err := os.Rename(d.manifest(c), kept); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("stop %s: move its manifest to %s: %w", c, d.recordDir, err)
	}
	if _, err := os.Stat(kept); err == nil && !slices.Contains(d.stopped, c) {
		d.stopped = append(d.stopped, c)
	}
	return nil
}

func skipRestoreData(d *Data) string {
	if d.From == "" {
		return "no --from: the member keeps its own data"
	}
	return ""
}

// runRestoreData replaces the stopped member's data with the snapshot,
// its revision raised so that watchers relist; the old data goes to the
// record directory.
func runRestoreData(_ context.Context, out progress.Phase, d *Data) error {
	snap := filepath.Join(d.recordDir, "snapshot.db")
	if err := atomicfile.Write(snap, d.backup.Snapshot, 0o600); err != nil {
		return fmt.Errorf("write the snapshot for the restore: %w", err)
	}
	defer os.Remove(snap)
	kept, err := etcdbackup.RestoreData(etcdbackup.DataOptions{SnapshotPath: snap, Name: d.member.Name, PeerURL: d.member.PeerURLs[0],
		DataDir: d.member.DataDir, KeepDir: d.recordDir, RevisionBump: RevisionBump})
	d.dataKept = kept
	if err != nil {
		return err
	}
	out.Infof("restored the snapshot (revision %d, raised by %d) into %s", d.backup.Revision, RevisionBump, d.member.DataDir)
	return nil
}

// runStartEtcd writes the etcd manifest back as a cluster of one (with
// --force-new-cluster first when the member keeps its own data, then
// without it) and waits until the member is the single, healthy one.
func runStartEtcd(ctx context.Context, out progress.Phase, d *Data) error {
	kept := filepath.Join(d.recordDir, constants.Etcd+".yaml")
	pod, err := readPod(kept)
	if err != nil {
		return err
	}
	set := map[string]string{"initial-cluster": d.member.Name + "=" + d.member.PeerURLs[0], "initial-cluster-state": "new"}
	if d.From == "" {
		set["force-new-cluster"] = "true"
		if err := d.writeEtcd(pod, set); err != nil {
			return err
		}
		if err := d.waitSingle(ctx); err != nil {
			return err
		}
		out.Infof("etcd member %s runs as a cluster of one from its own data (--force-new-cluster)", d.member.Name)
		delete(set, "force-new-cluster")
		addr := hostPort(d.member.ClientURLs[0])
		if err := d.writeEtcd(pod, set); err != nil {
			return err
		}
		// The kubelet replaces the Pod: wait for the old one to go.
		if err := d.poll(ctx, "wait for etcd to restart without --force-new-cluster", func(context.Context) error {
			if d.Listening(addr) {
				return fmt.Errorf("the etcd started with --force-new-cluster still answers on %s", addr)
			}
			return nil
		}); err != nil {
			return err
		}
	} else if err := d.writeEtcd(pod, set); err != nil {
		return err
	}
	d.stopped = remove(d.stopped, constants.Etcd)
	if err := os.Remove(kept); err != nil {
		return fmt.Errorf("remove %s: %w", kept, err)
	}
	if err := d.waitSingle(ctx); err != nil {
		return err
	}
	out.Infof("etcd member %s serves as the only member", d.member.Name)
	return nil
}

func (d *Data) writeEtcd(pod *corev1.Pod, set map[string]string) error {
	p := pod.DeepCopy()
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == constants.Etcd {
			p.Spec.Containers[i].Command = setFlags(p.Spec.Containers[i].Command, set)
		}
	}
	b, err := manifests.Marshal(p)
	if err != nil {
		return fmt.Errorf("write the etcd manifest: %w", err)
	}
	if err := atomicfile.Write(d.manifest(constants.Etcd), b, 0o600); err != nil {
		return fmt.Errorf("write the etcd manifest: %w", err)
	}
	return nil
}

// waitSingle waits until the local member is the cluster's only member
// and healthy.
func (d *Data) waitSingle(ctx context.Context) error {
	return d.poll(ctx, "wait for etcd member "+d.member.Name+" to serve alone", func(ctx context.Context) error {
		c, err := d.Etcd(d.member.ClientURLs, d.pkiDir())
		if err != nil {
			return err
		}
		defer c.Close()
		st, err := c.Statuses(ctx)
		if err != nil {
			return err
		}
		if len(st) != 1 {
			return fmt.Errorf("etcd has %d members", len(st))
		}
		return st[0].Err
	})
}

// runStartControlPlane puts the other manifests back and waits until the
// local API server is ready.
func runStartControlPlane(ctx context.Context, out progress.Phase, d *Data) error {
	for _, c := range append([]string(nil), d.stopped...) {
		if err := os.Rename(filepath.Join(d.recordDir, c+".yaml"), d.manifest(c)); err != nil {
			return fmt.Errorf("start %s: %w", c, err)
		}
		d.stopped = remove(d.stopped, c)
	}
	client, addr, err := d.client()
	if err != nil {
		return err
	}
	if err := d.poll(ctx, "wait for kube-apiserver at "+addr+" to be ready", func(ctx context.Context) error {
		return d.APIReady(ctx, client)
	}); err != nil {
		return err
	}
	d.apiBack = d.Now()
	out.Infof("kube-apiserver at %s is ready, %s after the restore began", addr, d.apiBack.Sub(d.started).Round(100*time.Millisecond))
	return nil
}

// putBack returns the manifests a failed restore took away, and reports
// whether there were any.
func (d *Data) putBack() bool {
	back := false
	for _, c := range d.stopped {
		if _, err := os.Stat(d.manifest(c)); err == nil {
			continue
		}
		if os.Rename(filepath.Join(d.recordDir, c+".yaml"), d.manifest(c)) == nil {
			back = true
		}
	}
	return back
}

func readPod(path string) (*corev1.Pod, error) {
	b, err := atomicfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("read the manifest: %w", err)
	}
	p, err := manifests.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("read the manifest %s: %w", path, err)
	}
	return p, nil
}

// apiServerAddress is host:port of the API server's manifest
// (--advertise-address and --secure-port).
func apiServerAddress(path string) (string, error) {
	p, err := readPod(path)
	if err != nil {
		return "", err
	}
	for _, c := range p.Spec.Containers {
		if c.Name != constants.KubeAPIServer {
			continue
		}
		f := etcdpod.LastFlags(append(append([]string{}, c.Command...), c.Args...))
		port := f["secure-port"]
		if port == "" {
			port = "6443"
		}
		if f["advertise-address"] == "" {
			return "", fmt.Errorf("the manifest %s has no --advertise-address", path)
		}
		return net.JoinHostPort(f["advertise-address"], port), nil
	}
	return "", fmt.Errorf("the manifest %s has no kube-apiserver container", path)
}

// setFlags sets "--name=value" flags in a command, replacing earlier
// values, appending new ones.
func setFlags(cmd []string, set map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range cmd {
		name, _, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if _, want := set[name]; ok && strings.HasPrefix(a, "--") && (want || isForceFlag(name)) {
			if want && !seen[name] {
				out = append(out, "--"+name+"="+set[name])
				seen[name] = true
			}
			continue
		}
		out = append(out, a)
	}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		if !seen[name] {
			out = append(out, "--"+name+"="+set[name])
		}
	}
	return out
}

// isForceFlag: --force-new-cluster is dropped unless set again.
func isForceFlag(name string) bool { return name == "force-new-cluster" }

func hostPort(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Host
}

func remove(list []string, s string) []string {
	var out []string
	for _, l := range list {
		if l != s {
			out = append(out, l)
		}
	}
	return out
}
