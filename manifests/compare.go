package manifests

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	corev1 "k8s.io/api/core/v1"
)

// Compare tells whether existing, the content of a manifest file, holds
// the same Pod as want. Both are normalized (parsed and rendered again
// with Marshal), so formatting and key order do not matter, but any
// difference in the Pod does. When they differ, diff is a line diff from
// existing to want. An existing manifest that is not a parsable v1 Pod
// differs from want; only a failure to render want is an error.
func Compare(existing []byte, want *corev1.Pod) (same bool, diff string, err error) {
	wantYAML, err := Marshal(want)
	if err != nil {
		return false, "", fmt.Errorf("comparing static Pod manifests: %w", err)
	}
	have, err := Unmarshal(existing)
	if err != nil {
		return false, lineDiff(existing, wantYAML), nil
	}
	haveYAML, err := Marshal(have)
	if err != nil {
		return false, "", fmt.Errorf("comparing static Pod manifests: %w", err)
	}
	if bytes.Equal(haveYAML, wantYAML) {
		return true, "", nil
	}
	return false, lineDiff(haveYAML, wantYAML), nil
}

// CompareFile is Compare on the manifest file at path. A missing file is
// not in place: it differs, with no diff and no error.
func CompareFile(path string, want *corev1.Pod) (same bool, diff string, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("reading static Pod manifest %s: %w", path, err)
	}
	same, diff, err = Compare(data, want)
	if err != nil {
		return false, "", fmt.Errorf("%s: %w", path, err)
	}
	return same, diff, nil
}
