//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// TestCallersConfigsGetUpstreamsVerdict takes the configurations kubespray
// and kinder render from their templates (testdata/callers, each file
// naming its template), and checks that `config validate` gives upstream
// kubeadm v1.37.1's verdict on each; the init files upstream runs with
// `init --dry-run` on a node run here too.
func TestCallersConfigsGetUpstreamsVerdict(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "callers", "*.yaml"))
	must(t, err, "list the callers' configurations")
	if len(files) == 0 {
		t.Fatal("no configuration in testdata/callers")
	}
	upstream := filepath.Join(env.cache.KubernetesDir("v1.37.1"), "kubeadm")
	validate := func(bin, file string) (bool, string) {
		out, err := exec.Command(bin, "config", "validate", "--config", file).CombinedOutput() // reads the file only
		return err == nil, strings.TrimSpace(string(out))
	}
	var initFiles []string
	for _, f := range files {
		upOK, upOut := validate(upstream, f)
		ourOK, ourOut := validate(env.kubeadmBinary, f)
		t.Logf("%s: upstream %v, this tool %v", filepath.Base(f), upOK, ourOK)
		if upOK != ourOK {
			t.Errorf("%s: upstream's config validate says %v (%s), this tool's %v (%s)", filepath.Base(f), upOK, lastLines(upOut, 3), ourOK, lastLines(ourOut, 3))
		}
		if upOK && strings.Contains(filepath.Base(f), "-init") {
			initFiles = append(initFiles, f)
		}
	}
	if len(initFiles) == 0 {
		return
	}
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"})
	n := c.Nodes[0]
	installKubeadm(t, n, "")
	ctx := context.Background()
	for _, f := range initFiles {
		b, err := os.ReadFile(f)
		must(t, err, "read %s", f)
		must(t, n.WriteFile(ctx, nodeConfigPath, b, 0o600), "write %s on the node", f)
		for _, bin := range []string{upstreamKubeadm, "kubeadm"} {
			out, err := runKubeadm(t, n, ctx, bin, "init", "--dry-run", "--config", nodeConfigPath, "--ignore-preflight-errors=all")
			if err != nil {
				t.Errorf("%s init --dry-run with %s: %v\n%s", bin, filepath.Base(f), err, lastLines(out, 15))
			}
		}
	}
}
