package main

import (
	"flag"
	"github.com/kubeadm-cleanroom/kubeadm/internal/golden"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenFile compares got with testdata/name, or rewrites the file with -update.
func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.File(t, filepath.Join("testdata", name), got, *update)
}
