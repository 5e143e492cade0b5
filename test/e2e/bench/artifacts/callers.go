package artifacts

import (
	"context"
	_ "embed" // the callers' programs
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// KindVersion is the kind release whose kubeadm configuration the caller
// scenario renders (v1beta4 for Kubernetes 1.36 and later).
const KindVersion = "v0.33.0"

//go:embed callers/kindrender.go.src
var kindRenderSource []byte

// KindRenderDir returns the directory holding kind-render.
func (c *Cache) KindRenderDir() string { return c.kindRenderEntry().dir }

func (c *Cache) kindRenderEntry() entry {
	return c.entry("kind-render", KindVersion, "sigs.k8s.io/kind@"+KindVersion+" render="+HashBytes(kindRenderSource))
}

// EnsureKindRender builds kind-render: a program inside a copy of kind's
// module (so that it may import kind's internal packages) that renders a
// node's /kind/kubeadm.conf with kind's own loader, template and patcher.
func (c *Cache) EnsureKindRender(ctx context.Context) error {
	e := c.kindRenderEntry()
	if e.fresh() {
		return nil
	}
	c.Log("building kind-render from sigs.k8s.io/kind %s", KindVersion)
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		src, err := moduleSource(ctx, "sigs.k8s.io/kind@"+KindVersion)
		if err != nil {
			return err
		}
		mod := filepath.Join(c.Root, "build", "kind-"+KindVersion)
		if err := os.RemoveAll(mod); err != nil {
			return fmt.Errorf("clean %s: %w", mod, err)
		}
		if _, err := (hostexec.Cmd{Name: "cp", Args: []string{"-r", src, mod}}).Run(ctx); err != nil {
			return fmt.Errorf("copy kind's module: %w", err)
		}
		if _, err := (hostexec.Cmd{Name: "chmod", Args: []string{"-R", "u+w", mod}}).Run(ctx); err != nil {
			return fmt.Errorf("make kind's module copy writable: %w", err)
		}
		prog := filepath.Join(mod, "pkg", "cluster", "internal", "benchrender")
		if err := os.MkdirAll(prog, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", prog, err)
		}
		if err := os.WriteFile(filepath.Join(prog, "main.go"), kindRenderSource, 0o644); err != nil {
			return fmt.Errorf("write kind-render source: %w", err)
		}
		_, err = hostexec.Cmd{Name: "go", Args: []string{"build", "-trimpath", "-o", filepath.Join(out, "kind-render"), "./pkg/cluster/internal/benchrender"}, Dir: mod, Env: goEnv()}.Run(ctx)
		if err != nil {
			return fmt.Errorf("build kind-render: %w", err)
		}
		return nil
	})
}

// moduleSource downloads a module (path@version) through the module proxy
// and returns its directory in the module cache.
func moduleSource(ctx context.Context, mod string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	cmd.Env = append(os.Environ(), goEnv()...)
	out, err := cmd.Output() // the JSON; progress goes to stderr
	if err != nil {
		return "", fmt.Errorf("download %s: %w", mod, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("download %s: no directory in %q (%v %s)", mod, out, err, info.Error)
	}
	return info.Dir, nil
}

// CAPIVersion is the Cluster API release whose bootstrap provider the
// caller scenario replays (v1beta4 kubeadm configuration from 1.31 on).
const CAPIVersion = "v1.14.2"

//go:embed callers/capirender.go.src
var capiRenderSource []byte

// CAPIRenderDir returns the directory holding capi-render.
func (c *Cache) CAPIRenderDir() string { return c.capiRenderEntry().dir }

func (c *Cache) capiRenderEntry() entry {
	return c.entry("capi-render", CAPIVersion, "sigs.k8s.io/cluster-api@"+CAPIVersion+" render="+HashBytes(capiRenderSource))
}

// EnsureCAPIRender builds capi-render: a program that prints the cloud-init
// user data Cluster API's kubeadm bootstrap provider makes, with Cluster
// API's own packages, in a scratch module requiring its release. Its API
// types are a module of their own that the release's go.mod only replaces
// locally, so it is required explicitly.
func (c *Cache) EnsureCAPIRender(ctx context.Context) error {
	e := c.capiRenderEntry()
	if e.fresh() {
		return nil
	}
	c.Log("building capi-render from sigs.k8s.io/cluster-api %s", CAPIVersion)
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		mod := filepath.Join(c.Root, "build", "capi-"+CAPIVersion)
		if err := os.RemoveAll(mod); err != nil {
			return fmt.Errorf("clean %s: %w", mod, err)
		}
		if err := scratchModule(ctx, mod, "sigs.k8s.io/cluster-api@"+CAPIVersion); err != nil {
			return err
		}
		steps := [][]string{{"get", "sigs.k8s.io/cluster-api/api@" + CAPIVersion}}
		if err := os.WriteFile(filepath.Join(mod, "main.go"), capiRenderSource, 0o644); err != nil {
			return fmt.Errorf("write capi-render source: %w", err)
		}
		steps = append(steps, []string{"mod", "tidy"}, []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(out, "capi-render"), "."})
		for _, args := range steps {
			if _, err := (hostexec.Cmd{Name: "go", Args: args, Dir: mod, Env: goEnv()}).Run(ctx); err != nil {
				return fmt.Errorf("build capi-render: %w", err)
			}
		}
		return nil
	})
}
