package artifacts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKubernetesGoMod(t *testing.T) {
	upstream := []byte(`module k8s.io/kubernetes

go 1.26.0

require (
	k8s.io/api v0.0.0
	github.com/x/y v1.2.3
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/cri-api => ./staging/src/k8s.io/cri-api
)
`)
	got, err := kubernetesGoMod("v1.37.1", upstream)
	if err != nil {
		t.Fatal(err)
	}
	want := `module benchbuild

go 1.26.0

require k8s.io/kubernetes v1.37.1

replace (
	k8s.io/api => k8s.io/api v0.37.1
	k8s.io/client-go => k8s.io/client-go v0.37.1
	k8s.io/cri-api => k8s.io/cri-api v0.37.1
)
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if _, err := kubernetesGoMod("v1.37.1", []byte("module k8s.io/kubernetes\n")); err == nil {
		t.Error("expected an error when no staging module is listed")
	}
}

func TestVersionLDFlags(t *testing.T) {
	flags := versionLDFlags("v1.36.3")
	for _, want := range []string{
		"-s -w",
		"-X k8s.io/component-base/version.gitVersion=v1.36.3",
		"-X k8s.io/component-base/version.gitMajor=1",
		"-X k8s.io/component-base/version.gitMinor=36",
		"-X k8s.io/client-go/pkg/version.gitVersion=v1.36.3",
		"-X k8s.io/client-go/pkg/version.gitTreeState=clean",
	} {
		if !strings.Contains(flags, want) {
			t.Errorf("ldflags %q lack %q", flags, want)
		}
	}
}

func TestLookup(t *testing.T) {
	r, err := Lookup("v1.37.1")
	if err != nil || r.Etcd != "3.7.0" || r.CoreDNS != "v1.14.6" || r.Minor() != "37" {
		t.Errorf("Lookup(v1.37.1) = %+v, %v", r, err)
	}
	r, err = Lookup("v1.36.3")
	if err != nil || r.Etcd != "3.6.8" || r.EtcdImage != "3.6.8-0" || r.CoreDNS != "v1.14.2" {
		t.Errorf("Lookup(v1.36.3) = %+v, %v", r, err)
	}
	if _, err := Lookup("v1.35.0"); err == nil || !strings.Contains(err.Error(), "v1.36.3, v1.37.1") {
		t.Errorf("unknown version error should list the known ones, got %v", err)
	}
}

func TestCacheEntryEnsure(t *testing.T) {
	c := &Cache{Root: t.TempDir(), Log: t.Logf}
	builds := 0
	build := func(_ context.Context, out string) error {
		builds++
		return os.WriteFile(filepath.Join(out, "bin"), []byte("x"), 0o755)
	}
	ctx := context.Background()
	dir, err := c.Ensure(ctx, "thing", "v1", "recipe-a", build)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Ensure(ctx, "thing", "v1", "recipe-a", build); err != nil {
		t.Fatal(err)
	}
	if builds != 1 {
		t.Errorf("same recipe built %d times, want 1", builds)
	}
	if _, err := c.Ensure(ctx, "thing", "v1", "recipe-b", build); err != nil {
		t.Fatal(err)
	}
	if builds != 2 {
		t.Errorf("changed recipe did not rebuild")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "bin")); err != nil || string(b) != "x" {
		t.Errorf("built file: %q, %v", b, err)
	}
	if !strings.Contains(Recipe(dir), "recipe-b") {
		t.Errorf("recipe stamp %q", Recipe(dir))
	}

	// A failed build leaves the previous entry and no temporary directory.
	failing := func(_ context.Context, out string) error { return errors.New("compile error") }
	if _, err := c.Ensure(ctx, "thing", "v1", "recipe-c", failing); err == nil {
		t.Fatal("expected the build error")
	}
	entries, _ := os.ReadDir(filepath.Join(c.Root, "thing"))
	if len(entries) != 1 || entries[0].Name() != "v1" {
		t.Errorf("cache after failed build: %v", entries)
	}
	if !strings.Contains(Recipe(dir), "recipe-b") {
		t.Errorf("failed build replaced the entry: %q", Recipe(dir))
	}
}
