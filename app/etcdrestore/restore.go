// Package etcdrestore brings a control plane back after etcd lost its data
// or its quorum. On a node whose etcd member is broken, or is the last one
// left of a cluster without quorum, it stops the static Pods, replaces the
// member's data with a backup's snapshot (or keeps the member's own data and
// makes it a cluster of one with --force-new-cluster), starts etcd and the
// control plane again, and removes the Node objects of the control planes
// that are gone. Afterwards new control planes join as usual.
package etcdrestore

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdbackup"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// RevisionBump is how far a restore from a backup raises etcd's revision,
// past any revision a watcher saw, as etcd's disaster recovery guide
// advises for Kubernetes.
const RevisionBump = 1_000_000_000

// Options are what the restore command passes in.
type Options struct {
	// From is the backup (or an upgrade's snapshot.db); "" keeps the local
	// member's own data and forces a new cluster of one from it.
	From string
	// Key opens an encrypted backup.
	Key []byte
	// Force restores over a member that is healthy in a cluster with
	// quorum.
	Force bool
	// Timeout bounds each wait (a component stopping or becoming ready).
	Timeout time.Duration
	Out     progress.Reporter
	Deps
}

// Deps are the host and cluster accesses of a restore; zero fields mean
// this machine's.
type Deps struct {
	nodeenv.Machine
	// Etcd connects to etcd at endpoints with the certificates of pkiDir.
	Etcd func(endpoints []string, pkiDir string) (EtcdClient, error)
	// NewClient connects to the API server at server with a kubeconfig's
	// credentials.
	NewClient func(kubeconfig, server string) (clientset.Interface, error)
	// APIReady returns nil once the API server answers /readyz.
	APIReady func(ctx context.Context, client clientset.Interface) error
	// Listening reports whether a TCP address accepts connections.
	Listening func(addr string) bool
	// Unlocked reports whether no process holds etcd's lock on a file.
	Unlocked func(path string) bool
	// Interval is the pause between polls; zero means 250ms.
	Interval time.Duration
	// LeaseWait is how long the cleanup waits for live kubelets to renew
	// their Leases; zero means 15s.
	LeaseWait time.Duration
}

// EtcdClient is what a restore needs of etcd.
type EtcdClient interface {
	Statuses(ctx context.Context) ([]etcd.MemberStatus, error)
	Healthy(ctx context.Context) error
	Close() error
}

func (d *Deps) defaults() {
	d.Machine.Default()
	if d.Etcd == nil {
		d.Etcd = func(eps []string, pki string) (EtcdClient, error) { return etcd.NewFromPKI(eps, pki, 2*time.Second) }
	}
	if d.NewClient == nil {
		d.NewClient = apiclient.FromKubeconfigAt
	}
	if d.APIReady == nil {
		d.APIReady = func(ctx context.Context, c clientset.Interface) error {
			_, err := c.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
			return err
		}
	}
	if d.Listening == nil {
		d.Listening = host.Listening
	}
	if d.Unlocked == nil {
		d.Unlocked = host.Unlocked
	}
	if d.Interval == 0 {
		d.Interval = 250 * time.Millisecond
	}
	if d.LeaseWait == 0 {
		d.LeaseWait = 15 * time.Second
	}
}

// Data is what the restore's phases share.
type Data struct {
	Options
	backup *etcdbackup.Backup
	member etcdpod.Member
	// recordDir keeps what the restore took away: the manifests while the
	// control plane is stopped, the member's old data, the snapshot file.
	recordDir string
	// before are the members the cluster had, from the local member or the
	// backup; the others than this node's are dropped by the restore.
	before []etcdbackup.Member
	// stopped are the manifests moved into recordDir, in stop order.
	stopped []string
	// dataKept is where the member's previous data went.
	dataKept string
	// apiBack is when the API server answered again.
	apiBack time.Time
	started time.Time
	// notes are what check found, printed by the preflight phase.
	notes []note
}

func (d *Data) manifestsDir() string {
	return filepath.Join(d.KubernetesDir, constants.ManifestsSubDir)
}
func (d *Data) manifest(c string) string {
	return filepath.Join(d.manifestsDir(), c+".yaml")
}
func (d *Data) pkiDir() string {
	if d.member.PKIDir != "" {
		return d.member.PKIDir
	}
	return filepath.Join(d.KubernetesDir, "pki")
}

// note is a line check found: information, or a warning.
type note struct {
	msg  string
	warn bool
}

// Phases is the restore's phase table.
func Phases() []workflow.Phase[*Data] {
	return []workflow.Phase[*Data]{
		{Name: "preflight", Short: "Report the backup and the state of the local member, checked before any phase runs", Run: runPreflight},
		{Name: "stop-control-plane", Short: "Stop the static Pods of the control plane and wait until etcd let go of its data", Run: runStop},
		{Name: "restore-data", Short: "Replace the member's data with the backup's snapshot", Run: runRestoreData, Skip: skipRestoreData},
		{Name: "start-etcd", Short: "Start etcd as a cluster of one and wait until it serves", Run: runStartEtcd},
		{Name: "start-control-plane", Short: "Start the API server, controller manager and scheduler, and wait until the API server is ready", Run: runStartControlPlane},
		{Name: "cleanup-cluster", Short: "Remove the Node objects of the control planes whose etcd members are gone", Run: runCleanup},
	}
}

// Run restores.
func Run(ctx context.Context, o Options) error {
	o.Deps.defaults()
	if o.Timeout == 0 {
		o.Timeout = 4 * time.Minute
	}
	d := &Data{Options: o, started: o.Now()}
	if err := d.check(ctx); err != nil {
		return err
	}
	r := &workflow.Runner[*Data]{Phases: Phases(), Out: o.Out}
	if err := r.Run(ctx, d, nil); err != nil {
		if d.putBack() {
			return fmt.Errorf("%w; the control plane's manifests are back in place (what the restore took away is in %s)", err, d.recordDir)
		}
		return err
	}
	d.summary()
	return nil
}

// poll calls check every Interval until it returns nil or the timeout ends.
func (d *Data) poll(ctx context.Context, what string, check func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not within %s: %w", what, d.Timeout, err)
		case <-time.After(d.Interval):
		}
	}
}
