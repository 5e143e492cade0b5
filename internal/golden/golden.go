// Package golden compares test output with golden files, or rewrites them
// when a test runs with -update. Only tests import it.
package golden

import (
	"bytes"
	"os"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
)

// File compares got with the file at path, or rewrites the file when
// update is set.
func File(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := atomicfile.Write(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update to accept)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}
