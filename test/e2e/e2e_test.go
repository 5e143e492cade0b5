//go:build e2e

// Package e2e is the project's end-to-end tier: it runs real kubelets,
// containerd and control-plane components on sandbox nodes of this machine
// (see test/e2e/bench) and checks whole flows on them. It needs root.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// env is what every e2e test shares: the built bench binary and the cache.
var env struct {
	moduleRoot    string
	benchBinary   string
	kubeadmBinary string // this project's kubeadm
	toolsImage    string // tarball of images.ToolsRef
	cache         *artifacts.Cache
}

func TestMain(m *testing.M) {
	if os.Getuid() != 0 {
		fmt.Fprintln(os.Stderr, "e2e tests need root: run sudo make e2e")
		os.Exit(1)
	}
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// minFreeDisk is what a run needs free on the disk the nodes share.
const minFreeDisk = 4 << 30

func setup() error {
	var st syscall.Statfs_t
	if err := syscall.Statfs("/var/lib", &st); err == nil {
		if free := st.Bavail * uint64(st.Bsize); free < minFreeDisk {
			return fmt.Errorf("only %d MiB free on the disk of /var/lib; the nodes need at least %d MiB", free>>20, uint64(minFreeDisk)>>20)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	env.moduleRoot = filepath.Clean(filepath.Join(wd, "..", ".."))
	env.cache = &artifacts.Cache{Root: artifacts.CacheDir(), Log: func(f string, a ...any) { fmt.Printf("bench: "+f+"\n", a...) }}
	start := time.Now()
	if _, err := env.cache.EnsureAll(ctx, env.moduleRoot, artifacts.KnownVersions()); err != nil {
		return err
	}
	for _, v := range artifacts.KnownVersions() {
		r, _ := artifacts.Lookup(v)
		if _, err := images.EnsureRelease(ctx, env.cache, r); err != nil {
			return err
		}
	}
	fmt.Printf("bench: artifacts ready in %s\n", time.Since(start).Round(100*time.Millisecond))
	env.benchBinary = filepath.Join(env.cache.Root, "bin", "bench")
	env.kubeadmBinary = filepath.Join(env.cache.Root, "bin", "kubeadm")
	for bin, pkg := range map[string]string{env.benchBinary: "./test/e2e/cmd/bench", env.kubeadmBinary: "./cmd/kubeadm"} {
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
		build.Dir = env.moduleRoot
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w: %s", pkg, err, out)
		}
	}
	if env.toolsImage, err = images.EnsureTools(ctx, env.cache, env.benchBinary); err != nil {
		return err
	}
	// A run that was killed may have left a cluster behind.
	if names, _ := sandbox.List(); len(names) > 0 {
		fmt.Printf("bench: removing leftovers of an earlier run: %v\n", names)
	}
	return sandbox.CleanAll(ctx)
}
