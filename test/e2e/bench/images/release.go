package images

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
)

// imagesRevision changes whenever the image layout changes.
const imagesRevision = "2"

// ForRelease lists the images a node of release r needs, named as kubeadm
// names them, built from the binaries in cache.
func ForRelease(ctx context.Context, cache *artifacts.Cache, r artifacts.Release) ([]Image, error) {
	k8s := cache.KubernetesDir(r.Kubernetes)
	var imgs []Image
	for _, c := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		imgs = append(imgs, binaryImage(Registry+"/"+c+":"+r.Kubernetes, filepath.Join(k8s, c), "/usr/local/bin/"+c))
	}
	proxy, err := kubeProxyImage(ctx, Registry+"/kube-proxy:"+r.Kubernetes, filepath.Join(k8s, "kube-proxy"))
	if err != nil {
		return nil, err
	}
	imgs = append(imgs, proxy,
		binaryImage(Registry+"/etcd:"+r.EtcdImage, filepath.Join(cache.EtcdDir(r.Etcd), "etcd"), "/usr/local/bin/etcd"),
		binaryImage(Registry+"/coredns/coredns:"+r.CoreDNS, filepath.Join(cache.CoreDNSDir(r.CoreDNS), "coredns"), "/coredns"),
		binaryImage(Registry+"/pause:"+r.Pause, filepath.Join(cache.PauseDir(r.Pause), "pause"), "/pause"),
	)
	return imgs, nil
}

// TarballName is the file name of a release's image tarball in its directory.
const TarballName = "images.tar"

// EnsureRelease writes the image tarball of release r unless one made from
// the same binaries exists, and returns its path. The binaries must already
// be in the cache.
func EnsureRelease(ctx context.Context, cache *artifacts.Cache, r artifacts.Release) (string, error) {
	inputs := []string{
		artifacts.Recipe(cache.KubernetesDir(r.Kubernetes)),
		artifacts.Recipe(cache.EtcdDir(r.Etcd)),
		artifacts.Recipe(cache.CoreDNSDir(r.CoreDNS)),
		artifacts.Recipe(cache.PauseDir(r.Pause)),
	}
	for _, in := range inputs {
		if in == "" {
			return "", fmt.Errorf("images of %s: a binary is missing from the cache; build artifacts first", r.Kubernetes)
		}
	}
	recipe := "images rev=" + imagesRevision + " inputs=" + strings.Join(inputs, "|")
	dir, err := cache.Ensure(ctx, "images", r.Kubernetes, recipe, func(ctx context.Context, out string) error {
		cache.Log("writing images of %s", r.Kubernetes)
		imgs, err := ForRelease(ctx, cache, r)
		if err != nil {
			return err
		}
		return WriteTarball(filepath.Join(out, TarballName), imgs)
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, TarballName), nil
}
