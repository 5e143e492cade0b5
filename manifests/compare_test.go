package manifests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestCompare(t *testing.T) {
	pod, err := debianHost.Scheduler(defaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}

	// The same Pod in another layout (JSON is YAML) is in place.
	asJSON, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if same, diff, err := Compare(asJSON, pod); err != nil || !same || diff != "" {
		t.Errorf("same Pod as JSON: same=%v diff=%q err=%v", same, diff, err)
	}

	changed := []byte(strings.Replace(string(data), "--leader-elect=true", "--leader-elect=false", 1))
	same, diff, err := Compare(changed, pod)
	if err != nil || same {
		t.Fatalf("changed Pod: same=%v err=%v", same, err)
	}
	if diff != "-    - --leader-elect=false\n+    - --leader-elect=true\n" {
		t.Errorf("diff = %q", diff)
	}

	if same, diff, err := Compare([]byte("kind: ConfigMap\napiVersion: v1\n"), pod); err != nil || same || diff == "" {
		t.Errorf("not a Pod: same=%v diff=%q err=%v", same, diff, err)
	}
}

func TestCompareFile(t *testing.T) {
	pod, err := debianHost.Scheduler(defaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "kube-scheduler.yaml")
	if same, _, err := CompareFile(path, pod); err != nil || same {
		t.Errorf("missing file: same=%v err=%v", same, err)
	}
	data, err := Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if same, _, err := CompareFile(path, pod); err != nil || !same {
		t.Errorf("written file: same=%v err=%v", same, err)
	}
	if _, _, err := CompareFile(dir, pod); err == nil {
		t.Error("reading a directory: no error")
	}
}

func TestMarshalSetsTypeMeta(t *testing.T) {
	pod, err := debianHost.Scheduler(defaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	pod.APIVersion, pod.Kind = "", ""
	data, err := Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "apiVersion: v1\nkind: Pod\n") || pod.Kind != "" {
		t.Errorf("Marshal did not set type meta on a copy:\n%s", data)
	}
	if strings.Contains(string(data), "creationTimestamp") {
		t.Error("creationTimestamp written; upstream v1.37 omits it")
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff([]byte("a\nb\nc\n"), []byte("a\nc\nd\n"))
	if got != "-b\n+d\n" {
		t.Errorf("lineDiff = %q", got)
	}
}
