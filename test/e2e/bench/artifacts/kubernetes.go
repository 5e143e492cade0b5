package artifacts

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// KubernetesDir returns the directory holding the binaries of a version.
func (c *Cache) KubernetesDir(version string) string {
	return c.kubernetesEntry(version).dir
}

func (c *Cache) kubernetesEntry(version string) entry {
	return c.entry("kubernetes", version, joinRecipe("k8s.io/kubernetes@"+version, strings.Join(KubernetesBinaries, ",")))
}

// EnsureKubernetes builds kube-apiserver, kube-controller-manager,
// kube-scheduler, kube-proxy, kubelet, kubeadm and kubectl of one version
// through a generated module that requires k8s.io/kubernetes and points
// every staging module at its published release.
func (c *Cache) EnsureKubernetes(ctx context.Context, version string) error {
	e := c.kubernetesEntry(version)
	if e.fresh() {
		return nil
	}
	c.Log("building kubernetes %s (%s)", version, strings.Join(KubernetesBinaries, ", "))
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		mod := filepath.Join(c.Root, "build", "kubernetes-"+version)
		if err := writeKubernetesModule(ctx, mod, version); err != nil {
			return err
		}
		args := []string{"build", "-trimpath", "-ldflags", versionLDFlags(version), "-o", out + "/"}
		for _, b := range KubernetesBinaries {
			args = append(args, "k8s.io/kubernetes/cmd/"+b)
		}
		_, err := hostexec.Cmd{Name: "go", Args: args, Dir: mod, Env: goEnv()}.Run(ctx)
		if err != nil {
			return fmt.Errorf("build kubernetes %s: %w", version, err)
		}
		return nil
	})
}

// versionLDFlags stamps the version into both version packages; without it
// the kubelet reports v0.0.0 and version checks fail.
func versionLDFlags(version string) string {
	major, minor := "1", ""
	if p := strings.Split(strings.TrimPrefix(version, "v"), "."); len(p) >= 2 {
		major, minor = p[0], p[1]
	}
	flags := []string{"-s", "-w"}
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		for k, v := range map[string]string{
			"gitVersion":   version,
			"gitMajor":     major,
			"gitMinor":     minor,
			"gitTreeState": "clean",
			"gitCommit":    "0000000000000000000000000000000000000000",
			"buildDate":    "2026-01-01T00:00:00Z",
		} {
			flags = append(flags, "-X", pkg+"."+k+"="+v)
		}
	}
	return strings.Join(flags, " ")
}

var stagingReplace = regexp.MustCompile(`(?m)^\s*(k8s\.io/[A-Za-z0-9._-]+)\s+=>\s+\./staging/`)

// writeKubernetesModule writes a go.mod that requires k8s.io/kubernetes at
// version and replaces each staging module with its v0.X.Y release.
func writeKubernetesModule(ctx context.Context, dir, version string) error {
	out, err := hostexec.Cmd{Name: "go", Args: []string{"mod", "download", "-json", "k8s.io/kubernetes@" + version}, Env: goEnv("GOFLAGS=")}.Run(ctx)
	if err != nil {
		return fmt.Errorf("download k8s.io/kubernetes@%s: %w", version, err)
	}
	var info struct{ GoMod string }
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		return fmt.Errorf("read go mod download output for k8s.io/kubernetes@%s: %w", version, err)
	}
	upstream, err := os.ReadFile(info.GoMod)
	if err != nil {
		return fmt.Errorf("read go.mod of k8s.io/kubernetes@%s: %w", version, err)
	}
	gomod, err := kubernetesGoMod(version, upstream)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create build module %s: %w", dir, err)
	}
	path := filepath.Join(dir, "go.mod")
	if old, err := os.ReadFile(path); err == nil && string(old) == gomod {
		return nil // keep go.sum from an earlier build
	}
	_ = os.Remove(filepath.Join(dir, "go.sum"))
	return os.WriteFile(path, []byte(gomod), 0o644)
}

// kubernetesGoMod returns the go.mod of the build module for version, given
// the go.mod of k8s.io/kubernetes at that version.
func kubernetesGoMod(version string, upstream []byte) (string, error) {
	staging := "v0" + strings.TrimPrefix(strings.TrimPrefix(version, "v"), "1")
	var b strings.Builder
	fmt.Fprintf(&b, "module benchbuild\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n", version)
	n := 0
	for _, m := range stagingReplace.FindAllStringSubmatch(string(upstream), -1) {
		fmt.Fprintf(&b, "\t%s => %s %s\n", m[1], m[1], staging)
		n++
	}
	b.WriteString(")\n")
	if n == 0 {
		return "", fmt.Errorf("go.mod of k8s.io/kubernetes@%s lists no staging modules", version)
	}
	return b.String(), nil
}

// E2EKubeadmDir returns the directory holding upstream's e2e_kubeadm suite
// (e2e_kubeadm.test) of a Kubernetes version.
func (c *Cache) E2EKubeadmDir(version string) string { return c.e2eKubeadmEntry(version).dir }

func (c *Cache) e2eKubeadmEntry(version string) entry {
	return c.entry("e2e_kubeadm", version, "k8s.io/kubernetes@"+version+" test/e2e_kubeadm")
}

// EnsureE2EKubeadm compiles upstream kubeadm's own e2e suite,
// k8s.io/kubernetes/test/e2e_kubeadm, from the module Kubernetes is built
// with. It is not part of EnsureAll: only the scenario that runs it needs it.
func (c *Cache) EnsureE2EKubeadm(ctx context.Context, version string) error {
	e := c.e2eKubeadmEntry(version)
	if e.fresh() {
		return nil
	}
	c.Log("building upstream's e2e_kubeadm suite of %s", version)
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		mod := filepath.Join(c.Root, "build", "e2e_kubeadm-"+version)
		if err := writeKubernetesModule(ctx, mod, version); err != nil {
			return err
		}
		args := []string{"test", "-c", "-trimpath", "-ldflags", versionLDFlags(version), "-o", filepath.Join(out, "e2e_kubeadm.test"), "k8s.io/kubernetes/test/e2e_kubeadm"}
		if _, err := (hostexec.Cmd{Name: "go", Args: args, Dir: mod, Env: goEnv()}).Run(ctx); err != nil {
			return fmt.Errorf("build e2e_kubeadm %s: %w", version, err)
		}
		return nil
	})
}
