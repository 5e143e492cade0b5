package images

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Registry is the registry every kubeadm image name starts with.
const Registry = "registry.k8s.io"

// Image is one image to write: its full reference, its files and how it starts.
type Image struct {
	Ref        string
	Files      []File
	Entrypoint []string
}

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// baseFiles are in every image: a writable /tmp and merged-/usr links.
func baseFiles() []File {
	return append(mergedUsrLinks(), File{Path: "/tmp", Mode: 0o1777})
}

// build turns an Image into a v1.Image with one layer.
func (im Image) build() (v1.Image, error) {
	layerTar, err := buildLayer(append(baseFiles(), im.Files...))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", im.Ref, err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		return nil, fmt.Errorf("image %s: layer: %w", im.Ref, err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, fmt.Errorf("image %s: append layer: %w", im.Ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture = "amd64"
	cf.OS = "linux"
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	cf.Config.Entrypoint = im.Entrypoint
	cf.Config.Env = []string{defaultPath}
	return mutate.ConfigFile(img, cf)
}

// WriteTarball writes all images into one docker-archive tarball at path,
// through a temporary file renamed into place.
func WriteTarball(path string, imgs []Image) error {
	refs := map[name.Reference]v1.Image{}
	for _, im := range imgs {
		tag, err := name.NewTag(im.Ref, name.WeakValidation)
		if err != nil {
			return fmt.Errorf("image reference %q: %w", im.Ref, err)
		}
		img, err := im.build()
		if err != nil {
			return err
		}
		refs[tag] = img
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := tarball.MultiRefWriteToFile(tmp, refs); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write image tarball %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// Refs returns the references of imgs.
func Refs(imgs []Image) []string {
	var rs []string
	for _, im := range imgs {
		rs = append(rs, im.Ref)
	}
	return rs
}

// binaryImage is an image holding one static binary.
func binaryImage(ref, hostBinary, imagePath string) Image {
	return Image{Ref: ref, Files: []File{{Path: imagePath, Source: hostBinary, Mode: 0o755}}, Entrypoint: []string{imagePath}}
}

// kubeProxyImage holds kube-proxy plus the host's iptables (nft and legacy),
// ip6tables, conntrack and xtables modules with their libraries.
func kubeProxyImage(ctx context.Context, ref, kubeProxy string) (Image, error) {
	hostFiles, err := hostFilesWithLibs(ctx,
		[]string{"/usr/sbin/xtables-nft-multi", "/usr/sbin/xtables-legacy-multi", "/usr/sbin/conntrack"},
		[]string{"/usr/lib/x86_64-linux-gnu/xtables/*.so"})
	if err != nil {
		return Image{}, fmt.Errorf("image %s: %w", ref, err)
	}
	files := append(hostFiles, File{Path: "/usr/local/bin/kube-proxy", Source: kubeProxy, Mode: 0o755})
	for _, tool := range []string{"iptables", "ip6tables"} {
		for _, suffix := range []string{"", "-save", "-restore"} {
			files = append(files,
				File{Path: "/usr/sbin/" + tool + suffix, Link: "xtables-nft-multi"},
				File{Path: "/usr/sbin/" + tool + "-nft" + suffix, Link: "xtables-nft-multi"},
				File{Path: "/usr/sbin/" + tool + "-legacy" + suffix, Link: "xtables-legacy-multi"})
		}
	}
	for _, etc := range []string{"/etc/protocols", "/etc/services"} {
		if _, err := os.Stat(etc); err == nil {
			files = append(files, File{Path: etc, Source: etc, Mode: 0o644})
		}
	}
	return Image{Ref: ref, Files: files, Entrypoint: []string{"/usr/local/bin/kube-proxy"}}, nil
}

// ShortName returns the image name without registry and tag, e.g. "etcd".
func ShortName(ref string) string {
	s := strings.TrimPrefix(ref, Registry+"/")
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[:i]
	}
	return s
}
