package sandbox

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CollectLogs copies every node's service logs (supervisor, containerd,
// kubelet, and whatever tests saved there, e.g. the bootstrapper's output),
// its pod logs and static Pod manifests, and the load balancer's log into
// dir/<node>/..., and returns dir.
func (c *Cluster) CollectLogs(ctx context.Context, dir string) (string, error) {
	for _, n := range c.Nodes {
		nd := filepath.Join(dir, n.Name)
		for src, dst := range map[string]string{
			n.LogDir():                             nd,
			filepath.Join(n.Dir(), "var-log-pods"): filepath.Join(nd, "pods"),
			filepath.Join(n.Dir(), "etc-kubernetes", "manifests"): filepath.Join(nd, "manifests"),
		} {
			if err := copyTree(src, dst); err != nil {
				return dir, fmt.Errorf("collect logs of node %s: %w", n.Name, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(c.dir(), "haproxy.log")); err == nil {
		if err := copyFile(filepath.Join(c.dir(), "haproxy.log"), filepath.Join(dir, "haproxy.log")); err != nil {
			return dir, err
		}
	}
	return dir, nil
}

// copyTree copies regular files under src to dst; symlinks and special
// files are skipped.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, target)
		}
		return nil
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// LastLines returns the last n lines of a file, or a note that it is missing.
func LastLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
