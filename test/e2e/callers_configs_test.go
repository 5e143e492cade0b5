//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// TestCallersConfigsGetUpstreamsVerdict takes the configurations kubespray
// and kinder render from their templates (testdata/callers, each file
// naming its template), and checks that `config validate` gives upstream
// kubeadm v1.37.1's verdict on each; the init files upstream runs with
// `init --dry-run` on a node run here too, and so do the join files with
// `join --dry-run` against a control plane at the address they name.
// caHashLine is a caCertHashes entry of a configuration file.
var caHashLine = regexp.MustCompile(`(?m)^(\s*- )sha256:[0-9a-f]{64}$`)

func TestCallersConfigsGetUpstreamsVerdict(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "callers", "*.yaml"))
	must(t, err, "list the callers' configurations")
	if len(files) == 0 {
		t.Fatal("no configuration in testdata/callers")
	}
	// Both tools run inside a node, where nothing off this machine can be
	// reached: upstream looks a version up on the network when a file
	// names none.
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "w1", Version: "v1.37.1"})
	n := c.Nodes[0]
	installKubeadm(t, n, "")
	ctx := context.Background()
	validate := func(bin, path string) (bool, string) {
		out, err := runKubeadm(t, n, ctx, bin, "config", "validate", "--config", path)
		return err == nil, strings.TrimSpace(out)
	}
	var initFiles, joinFiles []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err, "read %s", f)
		path := "/etc/kubernetes/callers/" + filepath.Base(f)
		must(t, n.WriteFile(ctx, path, b, 0o600), "write %s on the node", f)
		upOK, upOut := validate(upstreamKubeadm, path)
		ourOK, ourOut := validate("kubeadm", path)
		t.Logf("%s: upstream %v, this tool %v", filepath.Base(f), upOK, ourOK)
		if upOK != ourOK {
			t.Errorf("%s: upstream's config validate says %v (%s), this tool's %v (%s)", filepath.Base(f), upOK, lastLines(upOut, 3), ourOK, lastLines(ourOut, 3))
		}
		if upOK && strings.Contains(filepath.Base(f), "-init") {
			initFiles = append(initFiles, path)
		}
		if upOK && strings.Contains(filepath.Base(f), "-join") {
			joinFiles = append(joinFiles, f)
		}
	}
	// kinder creates its patches directory on every node; the nodes share
	// the host's root file system, so it goes again afterwards.
	_, err = n.Run(ctx, "mkdir", "-p", "/kinder/patches")
	must(t, err, "create kinder's patches directory")
	t.Cleanup(func() { _ = os.RemoveAll("/kinder") })
	for _, path := range initFiles {
		b, err := n.ReadFile(ctx, path)
		must(t, err, "read %s", path)
		args := []string{"init", "--dry-run", "--config", path}
		if !strings.Contains(string(b), "ignorePreflightErrors") {
			// the bench's cgroup v1 and the other checks a real node would
			// pass; a file with its own list runs as its caller runs it
			args = append(args, "--ignore-preflight-errors=all")
		}
		for _, bin := range []string{upstreamKubeadm, "kubeadm"} {
			out, err := runKubeadm(t, n, ctx, bin, args...)
			t.Logf("%s init --dry-run with %s: %v", bin, filepath.Base(path), err)
			if err != nil {
				t.Errorf("%s init --dry-run with %s: %v\n%s", bin, filepath.Base(path), err, lastLines(out, 15))
			}
		}
	}
	// The join files name a control plane at cp1's address with the bench's
	// token: one is made there, and w1 runs each file with both tools.
	// Whatever upstream's join --dry-run does with a file, this tool's does.
	must(t, n.WriteFile(ctx, nodeConfigPath, []byte(initConfig("v1.37.1", "")), 0o600), "write the init configuration")
	if out, err := kubeadm(t, n, ctx, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification"); err != nil {
		t.Fatalf("init for the join files: %v\n%s", err, out)
	}
	ca, err := n.ReadFile(ctx, "/etc/kubernetes/pki/ca.crt")
	must(t, err, "read cp1's ca.crt")
	hash := caHashOf(t, ca)
	w := c.Nodes[1]
	installKubeadm(t, w, "")
	_, err = w.Run(ctx, "mkdir", "-p", "/kinder/patches")
	must(t, err, "create kinder's patches directory on w1")
	for _, f := range joinFiles {
		b, err := os.ReadFile(f)
		must(t, err, "read %s", f)
		// kubespray hashes the cluster's CA into caCertHashes (the file
		// holds the hash of a stand-in CA): so does the test.
		b = caHashLine.ReplaceAll(b, []byte("${1}"+hash))
		path := "/etc/kubernetes/callers/" + filepath.Base(f)
		must(t, w.WriteFile(ctx, path, b, 0o600), "write %s on w1", f)
		args := []string{"join", "--dry-run", "--config", path}
		if !strings.Contains(string(b), "ignorePreflightErrors") {
			args = append(args, "--ignore-preflight-errors=all")
		}
		upOut, upErr := runKubeadm(t, w, ctx, upstreamKubeadm, args...)
		ourOut, ourErr := runKubeadm(t, w, ctx, "kubeadm", args...)
		t.Logf("join --dry-run with %s: upstream %v, this tool %v", filepath.Base(f), upErr == nil, ourErr == nil)
		if upErr == nil && ourErr != nil {
			t.Errorf("join --dry-run with %s: upstream's succeeds, this tool's fails: %v\n%s", filepath.Base(f), ourErr, lastLines(ourOut, 10))
		}
		if upErr != nil && ourErr == nil {
			t.Logf("join --dry-run with %s: upstream's fails (%s), this tool's succeeds", filepath.Base(f), lastLines(upOut, 2))
		}
	}
}
