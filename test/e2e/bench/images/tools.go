package images

import (
	"context"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
)

// ToolsRef is the image e2e Pods run: the static bench binary, whose hidden
// subcommands (http-get, dns-check, serve) act as test clients and servers.
const ToolsRef = "localhost/kubeadm-bench/tools:v1"

// EnsureTools writes the tools image tarball from a static bench binary,
// unless one made from the same binary exists, and returns its path.
func EnsureTools(ctx context.Context, cache *artifacts.Cache, benchBinary string) (string, error) {
	sum, err := artifacts.FileHash(benchBinary)
	if err != nil {
		return "", err
	}
	dir, err := cache.Ensure(ctx, "images", "tools", "tools rev="+imagesRevision+" bench="+sum, func(ctx context.Context, out string) error {
		img := Image{Ref: ToolsRef, Files: []File{{Path: "/bench", Source: benchBinary, Mode: 0o755}}, Entrypoint: []string{"/bench"}}
		return WriteTarball(filepath.Join(out, TarballName), []Image{img})
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, TarballName), nil
}
