package artifacts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// EtcdDir returns the directory holding the etcd binary of a version.
func (c *Cache) EtcdDir(version string) string { return c.etcdEntry(version).dir }

func (c *Cache) etcdEntry(version string) entry {
	return c.entry("etcd", version, "go.etcd.io/etcd/server/v3@v"+version)
}

// EnsureEtcd builds the etcd server. Its main package is the root of
// go.etcd.io/etcd/server/v3, fetched into a scratch module.
func (c *Cache) EnsureEtcd(ctx context.Context, version string) error {
	e := c.etcdEntry(version)
	if e.fresh() {
		return nil
	}
	c.Log("building etcd %s", version)
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		mod := filepath.Join(c.Root, "build", "etcd-"+version)
		if err := scratchModule(ctx, mod, "go.etcd.io/etcd/server/v3@v"+version); err != nil {
			return err
		}
		_, err := hostexec.Cmd{Name: "go", Args: []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(out, "etcd"), "go.etcd.io/etcd/server/v3"}, Dir: mod, Env: goEnv()}.Run(ctx)
		if err != nil {
			return fmt.Errorf("build etcd %s: %w", version, err)
		}
		return nil
	})
}

// scratchModule creates a module in dir that requires mod (path@version).
// It is never tidied: nothing imports the requirement.
func scratchModule(ctx context.Context, dir, mod string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create build module %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module benchbuild\n\ngo 1.26.0\n"), 0o644); err != nil {
			return fmt.Errorf("write %s/go.mod: %w", dir, err)
		}
	}
	if _, err := (hostexec.Cmd{Name: "go", Args: []string{"get", mod}, Dir: dir, Env: goEnv()}).Run(ctx); err != nil {
		return fmt.Errorf("fetch %s: %w", mod, err)
	}
	return nil
}

// CoreDNSDir returns the directory holding the coredns binary of a version.
func (c *Cache) CoreDNSDir(version string) string { return c.corednsEntry(version).dir }

func (c *Cache) corednsEntry(version string) entry {
	return c.entry("coredns", version, "github.com/coredns/coredns@"+version)
}

// EnsureCoreDNS installs CoreDNS with go install.
func (c *Cache) EnsureCoreDNS(ctx context.Context, version string) error {
	e := c.corednsEntry(version)
	if e.fresh() {
		return nil
	}
	c.Log("building coredns %s", version)
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		_, err := hostexec.Cmd{Name: "go", Args: []string{"install", "-trimpath", "-ldflags", "-s -w", "github.com/coredns/coredns@" + version}, Env: goEnv("GOBIN="+out, "GOFLAGS=")}.Run(ctx)
		if err != nil {
			return fmt.Errorf("build coredns %s: %w", version, err)
		}
		return nil
	})
}

// ContainerdDir returns the directory holding containerd, ctr and the runc shim.
func (c *Cache) ContainerdDir() string { return c.containerdEntry().dir }

func (c *Cache) containerdEntry() entry {
	return c.entry("containerd", ContainerdVersion, "github.com/containerd/containerd/v2@"+ContainerdVersion+" tags=no_btrfs,no_devmapper,no_zfs")
}

// EnsureContainerd installs containerd, ctr and containerd-shim-runc-v2.
func (c *Cache) EnsureContainerd(ctx context.Context) error {
	e := c.containerdEntry()
	if e.fresh() {
		return nil
	}
	c.Log("building containerd %s", ContainerdVersion)
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		args := []string{"install", "-trimpath", "-tags", "no_btrfs no_devmapper no_zfs", "-ldflags", "-s -w -X github.com/containerd/containerd/v2/version.Version=" + ContainerdVersion}
		for _, b := range []string{"containerd", "ctr", "containerd-shim-runc-v2"} {
			args = append(args, "github.com/containerd/containerd/v2/cmd/"+b+"@"+ContainerdVersion)
		}
		if _, err := (hostexec.Cmd{Name: "go", Args: args, Env: goEnv("GOBIN="+out, "GOFLAGS=")}).Run(ctx); err != nil {
			return fmt.Errorf("build containerd %s: %w", ContainerdVersion, err)
		}
		return nil
	})
}

// PauseDir returns the directory holding the pause binary of a version.
func (c *Cache) PauseDir(version string) string { return c.pauseEntry(version, "").dir }

func (c *Cache) pauseEntry(version, sourceHash string) entry {
	return c.entry("pause", version, "pause source="+sourceHash)
}

// EnsurePause builds the bench's own pause program from moduleRoot.
func (c *Cache) EnsurePause(ctx context.Context, moduleRoot, version string) error {
	src := filepath.Join(moduleRoot, "test", "e2e", "images", "pause", "main.go")
	sum, err := FileHash(src)
	if err != nil {
		return err
	}
	e := c.pauseEntry(version, sum)
	if e.fresh() {
		return nil
	}
	c.Log("building pause %s", version)
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		_, err := hostexec.Cmd{Name: "go", Args: []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(out, "pause"), "./test/e2e/images/pause"}, Dir: moduleRoot, Env: goEnv("GOFLAGS=")}.Run(ctx)
		if err != nil {
			return fmt.Errorf("build pause: %w", err)
		}
		return nil
	})
}
