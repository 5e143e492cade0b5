package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
)

// NodeOptions describes a node to create.
type NodeOptions struct {
	Name    string
	Version string // Kubernetes version of its kubelet; default artifacts.DefaultVersion
	// Runtime is RuntimeContainerd (the default), RuntimeCRIO or RuntimeBoth.
	Runtime string
}

// CreateOptions describes a cluster to create.
type CreateOptions struct {
	Name        string
	Nodes       []NodeOptions
	Versions    []string // image sets every node gets; default: the nodes' versions
	BenchBinary string   // the bench executable, run as each node's supervisor
	CacheRoot   string
	// ExtraImages are more image tarballs every node imports (e.g. test tools).
	ExtraImages []string
	// DualStack gives the nodes IPv6 addresses and pod subnets besides
	// their IPv4 ones (NodeAddress6, PodCIDR6).
	DualStack bool
	Log       func(string, ...any)
}

// Create makes a cluster and boots its nodes. Only one cluster may exist at
// a time: they share the bridge and its addresses. A failure removes
// everything it made.
func Create(ctx context.Context, o CreateOptions) (*Cluster, error) {
	if err := checkName("cluster", o.Name); err != nil {
		return nil, err
	}
	existing, err := List()
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, fmt.Errorf("cluster %q already exists; delete it first (bench delete --name %s, or make e2e-clean)", existing[0], existing[0])
	}
	if o.BenchBinary == "" {
		return nil, errors.New("no bench binary given for the node supervisors")
	}
	c := &Cluster{Name: o.Name, BenchBinary: o.BenchBinary, CacheRoot: o.CacheRoot, Log: o.Log, Versions: o.Versions, ExtraImages: o.ExtraImages, DualStack: o.DualStack}
	if c.CacheRoot == "" {
		c.CacheRoot = artifacts.CacheDir()
	}
	if len(c.Versions) == 0 {
		seen := map[string]bool{}
		for _, no := range o.Nodes {
			v := no.Version
			if v == "" {
				v = artifacts.DefaultVersion
			}
			if !seen[v] {
				seen[v] = true
				c.Versions = append(c.Versions, v)
			}
		}
	}
	for _, v := range c.Versions {
		if _, err := artifacts.Lookup(v); err != nil {
			return nil, err
		}
	}
	if err := c.save(); err != nil {
		return nil, err
	}
	if err := ensureBridge(ctx, c.DualStack); err != nil {
		_ = c.Delete(context.Background())
		return nil, err
	}
	for _, no := range o.Nodes {
		if _, err := c.AddNode(ctx, no); err != nil {
			_ = c.Delete(context.Background())
			return nil, err
		}
	}
	return c, nil
}

// AddNode creates and boots one more node.
func (c *Cluster) AddNode(ctx context.Context, o NodeOptions) (*Node, error) {
	if err := checkName("node", o.Name); err != nil {
		return nil, err
	}
	if _, err := c.Node(o.Name); err == nil {
		return nil, fmt.Errorf("cluster %q already has a node %q", c.Name, o.Name)
	}
	if o.Version == "" {
		o.Version = artifacts.DefaultVersion
	}
	if _, err := artifacts.Lookup(o.Version); err != nil {
		return nil, err
	}
	if o.Runtime == "" {
		o.Runtime = RuntimeContainerd
	}
	if err := checkRuntime(o.Runtime); err != nil {
		return nil, err
	}
	if o.Runtime != RuntimeContainerd && artifacts.Recipe(c.cache().CRIODir()) == "" {
		return nil, fmt.Errorf("node %s: CRI-O is not in the artifact cache; build it first (bench artifacts --crio)", o.Name)
	}
	index := 1
	for _, n := range c.Nodes {
		if n.Index >= index {
			index = n.Index + 1
		}
	}
	if index > 200 {
		return nil, fmt.Errorf("cluster %q has no address left for node %q", c.Name, o.Name)
	}
	n := &Node{Name: o.Name, Index: index, Version: o.Version, Runtime: o.Runtime, Address: NodeAddress(index), PodCIDR: PodCIDR(index), cluster: c}
	if c.DualStack {
		n.Address6, n.PodCIDR6 = NodeAddress6(index), PodCIDR6(index)
	}
	c.Nodes = append(c.Nodes, n)
	if err := c.save(); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := n.prepare(); err != nil {
		return nil, err
	}
	if err := n.boot(ctx); err != nil {
		return nil, err
	}
	c.logf("node %s up at %s in %s", n.Name, n.Address, time.Since(start).Round(time.Millisecond))
	return n, nil
}

// Stop kills every process of the node, as a power cut would; its disks
// (state directories) stay.
func (n *Node) Stop(ctx context.Context) error { return n.shutdown(ctx) }

// Start boots a stopped node again; /run is fresh, state directories are kept.
func (n *Node) Start(ctx context.Context) error { return n.boot(ctx) }

// Running reports whether the node's namespace holder is alive.
func (n *Node) Running() bool { return n.HolderPID != 0 && processAlive(n.HolderPID) }

// CutNetwork disconnects the node from the bridge (and so from every other
// node, the host and the load balancer) until HealNetwork.
func (n *Node) CutNetwork(ctx context.Context) error {
	if err := n.setLink(ctx, false); err != nil {
		return err
	}
	n.Cut = true
	return n.cluster.save()
}

// HealNetwork undoes CutNetwork.
func (n *Node) HealNetwork(ctx context.Context) error {
	if err := n.setLink(ctx, true); err != nil {
		return err
	}
	n.Cut = false
	return n.cluster.save()
}

// SwapKubelet replaces the node's kubelet (and kubectl) by those of another
// Kubernetes version, as a package upgrade does, and restarts the kubelet.
func (n *Node) SwapKubelet(ctx context.Context, version string) error {
	if _, err := artifacts.Lookup(version); err != nil {
		return err
	}
	if err := n.linkBinaries(version); err != nil {
		return err
	}
	n.Version = version
	if err := n.cluster.save(); err != nil {
		return err
	}
	return n.RestartKubelet()
}

// RestartKubelet asks the node's supervisor to restart the kubelet, as
// `systemctl restart kubelet` would.
func (n *Node) RestartKubelet() error {
	pid, err := n.supervisorPID()
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return fmt.Errorf("node %s: signal supervisor %d: %w", n.Name, pid, err)
	}
	return nil
}

func (n *Node) supervisorPID() (int, error) {
	var pid int
	b, err := os.ReadFile(filepath.Join(n.Dir(), "supervisor.pid"))
	if err == nil {
		_, err = fmt.Sscanf(string(b), "%d", &pid)
	}
	if err != nil || !processAlive(pid) {
		return 0, fmt.Errorf("node %s: supervisor is not running", n.Name)
	}
	return pid, nil
}

// Delete stops every node, removes their state, the load balancer, the
// cluster's cgroups and record, and the host bridge.
func (c *Cluster) Delete(ctx context.Context) error {
	var errs []error
	if c.LB != nil {
		errs = append(errs, c.stopLB())
	}
	for _, n := range c.Nodes {
		errs = append(errs, n.shutdown(ctx))
	}
	errs = append(errs, cgroupKill(filepath.Join(cgroupParent, c.Name), 30*time.Second))
	errs = append(errs, cgroupRemove(filepath.Join(cgroupParent, c.Name)))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.RemoveAll(c.dir()); err != nil {
		return fmt.Errorf("remove state of cluster %s: %w", c.Name, err)
	}
	return cleanHostIfIdle(ctx)
}

// cleanHostIfIdle removes the shared host pieces (bridge, mount points,
// parent cgroup) once no cluster is left.
func cleanHostIfIdle(ctx context.Context) error {
	names, err := List()
	if err != nil || len(names) > 0 {
		return err
	}
	if err := errors.Join(removeBridge(ctx), removeMountpoints(), cgroupRemove(cgroupParent)); err != nil {
		return err
	}
	if err := os.Remove(StateRoot()); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", StateRoot(), err)
	}
	return nil
}
