package images

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"/lib/x86_64-linux-gnu/libc.so.6": "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/lib64/ld-linux-x86-64.so.2":     "/usr/lib64/ld-linux-x86-64.so.2",
		"/sbin/xtables-nft-multi":         "/usr/sbin/xtables-nft-multi",
		"/usr/lib/libfoo.so":              "/usr/lib/libfoo.so",
		"/library/x":                      "/library/x",
	} {
		if got := canonical(in); got != want {
			t.Errorf("canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildLayer(t *testing.T) {
	src := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(src, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	layer, err := buildLayer([]File{
		{Path: "/usr/local/bin/etcd", Source: src, Mode: 0o755},
		{Path: "/bin", Link: "usr/bin"},
		{Path: "/tmp", Mode: 0o1777},
	})
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		typ  byte
		mode int64
		link string
		body string
	}
	got := map[string]entry{}
	var order []string
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		got[h.Name] = entry{h.Typeflag, h.Mode, h.Linkname, string(body)}
		order = append(order, h.Name)
	}
	want := map[string]entry{
		"usr/":               {tar.TypeDir, 0o755, "", ""},
		"usr/local/":         {tar.TypeDir, 0o755, "", ""},
		"usr/local/bin/":     {tar.TypeDir, 0o755, "", ""},
		"usr/local/bin/etcd": {tar.TypeReg, 0o755, "", "binary"},
		"bin":                {tar.TypeSymlink, 0o777, "usr/bin", ""},
		"tmp/":               {tar.TypeDir, 0o1777, "", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("layer has %v, want %d entries", order, len(want))
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %+v, want %+v", name, got[name], w)
		}
	}
	// Parents come before children so that extraction never needs implicit dirs.
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	if !(pos["usr/"] < pos["usr/local/"] && pos["usr/local/"] < pos["usr/local/bin/"] && pos["usr/local/bin/"] < pos["usr/local/bin/etcd"]) {
		t.Errorf("directories not before their children: %v", order)
	}
}

func TestBuildLayerMissingSource(t *testing.T) {
	_, err := buildLayer([]File{{Path: "/x", Source: "/nonexistent/file"}})
	if err == nil {
		t.Fatal("expected an error for a missing source file")
	}
}

func TestShortName(t *testing.T) {
	for in, want := range map[string]string{
		"registry.k8s.io/etcd:3.7.0-0":            "etcd",
		"registry.k8s.io/coredns/coredns:v1.14.6": "coredns/coredns",
	} {
		if got := ShortName(in); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", in, got, want)
		}
	}
}
