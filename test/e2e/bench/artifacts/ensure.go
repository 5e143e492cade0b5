package artifacts

import (
	"context"
	"time"
)

// EnsureAll makes every artifact of the given Kubernetes versions present:
// Debian packages, containerd, pause, and per version the Kubernetes
// binaries, etcd and CoreDNS. It returns how long it took.
func (c *Cache) EnsureAll(ctx context.Context, moduleRoot string, versions []string) (time.Duration, error) {
	start := time.Now()
	if err := c.EnsureDebianPackages(ctx); err != nil {
		return 0, err
	}
	if err := c.EnsureContainerd(ctx); err != nil {
		return 0, err
	}
	for _, v := range versions {
		r, err := Lookup(v)
		if err != nil {
			return 0, err
		}
		steps := []func(context.Context) error{
			func(ctx context.Context) error { return c.EnsurePause(ctx, moduleRoot, r.Pause) },
			func(ctx context.Context) error { return c.EnsureEtcd(ctx, r.Etcd) },
			func(ctx context.Context) error { return c.EnsureKubernetes(ctx, r.Kubernetes) },
			func(ctx context.Context) error { return c.EnsureCoreDNS(ctx, r.CoreDNS) },
		}
		for _, step := range steps {
			if err := step(ctx); err != nil {
				return 0, err
			}
		}
	}
	if err := c.EnsureKindRender(ctx); err != nil {
		return 0, err
	}
	if err := c.EnsureCAPIRender(ctx); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
