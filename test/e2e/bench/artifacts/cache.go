package artifacts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultCacheDir is where artifacts are kept unless BENCH_CACHE says otherwise.
const DefaultCacheDir = "/var/cache/kubeadm-bench"

// recipeRevision changes whenever the way an artifact is built changes, so
// that stale cache entries are rebuilt.
const recipeRevision = "3"

// CacheDir returns the artifact cache root.
func CacheDir() string {
	if d := os.Getenv("BENCH_CACHE"); d != "" {
		return d
	}
	return DefaultCacheDir
}

// Cache is the on-disk artifact store.
type Cache struct {
	Root string
	// Log receives one line per step; it must not be nil.
	Log func(format string, args ...any)
}

// entry is one cached directory with the recipe that produced it.
type entry struct {
	dir    string
	recipe string
}

func (c *Cache) entry(kind, version, recipe string) entry {
	return entry{dir: filepath.Join(c.Root, kind, version), recipe: recipe + " rev=" + recipeRevision}
}

func (e entry) stampPath() string { return filepath.Join(e.dir, ".recipe") }

// fresh reports whether the entry exists and was built by the same recipe.
func (e entry) fresh() bool {
	b, err := os.ReadFile(e.stampPath())
	return err == nil && string(b) == e.recipe
}

// ensure builds the entry with build (which fills a temporary directory)
// unless it is fresh, then moves the result into place in one rename.
func (e entry) ensure(ctx context.Context, build func(ctx context.Context, out string) error) error {
	if e.fresh() {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(e.dir), 0o755); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(e.dir), "."+filepath.Base(e.dir)+".building-")
	if err != nil {
		return fmt.Errorf("create build directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := build(ctx, tmp); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".recipe"), []byte(e.recipe), 0o644); err != nil {
		return fmt.Errorf("write recipe stamp: %w", err)
	}
	if err := os.RemoveAll(e.dir); err != nil {
		return fmt.Errorf("remove stale %s: %w", e.dir, err)
	}
	if err := os.Rename(tmp, e.dir); err != nil {
		return fmt.Errorf("move %s into place: %w", e.dir, err)
	}
	return nil
}

// goEnv is the environment of every Go build: static binaries, the local
// toolchain only, and module mode for scratch modules.
func goEnv(extra ...string) []string {
	return append([]string{"CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod"}, extra...)
}

func joinRecipe(parts ...string) string { return strings.Join(parts, " ") }

// Ensure builds a cache entry of another package (kind/version) with build
// unless an entry made by the same recipe is already there, and returns its
// directory.
func (c *Cache) Ensure(ctx context.Context, kind, version, recipe string, build func(ctx context.Context, out string) error) (string, error) {
	e := c.entry(kind, version, recipe)
	return e.dir, e.ensure(ctx, build)
}

// Recipe returns the recipe stamp of a built directory, or "" when absent.
func Recipe(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, ".recipe"))
	if err != nil {
		return ""
	}
	return string(b)
}
