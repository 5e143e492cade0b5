package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
)

// Cluster is the record of one bench cluster, kept as JSON in its directory
// so that separate invocations of the bench CLI can act on it.
type Cluster struct {
	Name string `json:"name"`
	// Versions are the Kubernetes versions whose images every node imports.
	Versions []string `json:"versions"`
	// BenchBinary is the executable that runs as each node's supervisor.
	BenchBinary string `json:"benchBinary"`
	// CacheRoot is the artifact cache the nodes' binaries come from.
	CacheRoot string `json:"cacheRoot"`
	// ExtraImages are image tarballs imported into every node besides the
	// versions' component images.
	ExtraImages []string `json:"extraImages,omitempty"`
	// DualStack gives every node an IPv6 address and pod subnet too.
	DualStack bool                 `json:"dualStack,omitempty"`
	Nodes     []*Node              `json:"nodes"`
	LB        *LoadBalancer        `json:"loadBalancer,omitempty"`
	Log       func(string, ...any) `json:"-"`
}

// Node is one sandbox node of a cluster.
type Node struct {
	Name    string `json:"name"`
	Index   int    `json:"index"`
	Version string `json:"version"` // the Kubernetes version of its kubelet
	Address string `json:"address"`
	PodCIDR string `json:"podCIDR"`
	// Address6 and PodCIDR6 are set in a dual-stack cluster.
	Address6 string `json:"address6,omitempty"`
	PodCIDR6 string `json:"podCIDR6,omitempty"`
	// HolderPID is the process holding the node's namespaces; 0 when stopped.
	// Runtime is the node's container runtime (RuntimeContainerd when empty).
	Runtime   string `json:"runtime,omitempty"`
	HolderPID int    `json:"holderPID"`
	Cut       bool   `json:"cut,omitempty"`

	cluster *Cluster
}

func (c *Cluster) dir() string        { return clusterDir(c.Name) }
func (c *Cluster) recordPath() string { return filepath.Join(c.dir(), "cluster.json") }

// Dir returns the host directory holding the node's state and logs.
func (n *Node) Dir() string { return nodeDir(n.cluster.Name, n.Name) }

// LogDir returns the host directory where the node's services log.
func (n *Node) LogDir() string { return filepath.Join(n.Dir(), "logs") }

func (n *Node) cgroup() string {
	return filepath.Join(cgroupParent, n.cluster.Name, n.Name)
}

// CgroupRoot is the kubelet cgroupRoot of the node.
func (n *Node) CgroupRoot() string { return "/" + n.cgroup() }

func (c *Cluster) cache() *artifacts.Cache {
	return &artifacts.Cache{Root: c.CacheRoot, Log: c.logf}
}

func (c *Cluster) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}

// save writes the record atomically.
func (c *Cluster) save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.dir(), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", c.dir(), err)
	}
	tmp := c.recordPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write cluster record: %w", err)
	}
	return os.Rename(tmp, c.recordPath())
}

// Load reads the record of cluster name.
func Load(name string) (*Cluster, error) {
	b, err := os.ReadFile(filepath.Join(clusterDir(name), "cluster.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cluster %q does not exist (no record under %s)", name, StateRoot())
	}
	if err != nil {
		return nil, fmt.Errorf("read record of cluster %q: %w", name, err)
	}
	c := &Cluster{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("parse record of cluster %q: %w", name, err)
	}
	for _, n := range c.Nodes {
		n.cluster = c
	}
	return c, nil
}

// List returns the names of the clusters that have a record.
func List() ([]string, error) {
	entries, err := os.ReadDir(StateRoot())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(StateRoot(), e.Name(), "cluster.json")); err == nil {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Node returns the node called name.
func (c *Cluster) Node(name string) (*Node, error) {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n, nil
		}
	}
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	return nil, fmt.Errorf("cluster %q has no node %q (nodes: %v)", c.Name, name, names)
}
