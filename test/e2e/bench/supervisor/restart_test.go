package supervisor

import "testing"

// TestKubeletFilesUpdate: the kubelet restarts when its settings change or
// a bootstrap kubeconfig appears or changes, not when join removes the
// bootstrap kubeconfig after the TLS bootstrap.
func TestKubeletFilesUpdate(t *testing.T) {
	steps := []struct {
		name    string
		now     kubeletFiles
		restart bool
	}{
		{"first look", kubeletFiles{settings: "config:absent;"}, true},
		{"nothing written", kubeletFiles{settings: "config:absent;"}, false},
		{"join writes the settings and the bootstrap kubeconfig", kubeletFiles{settings: "config:1;", bootstrap: "boot:1;"}, true},
		{"unchanged", kubeletFiles{settings: "config:1;", bootstrap: "boot:1;"}, false},
		{"join removes the bootstrap kubeconfig", kubeletFiles{settings: "config:1;"}, false},
		{"still removed", kubeletFiles{settings: "config:1;"}, false},
		{"a new bootstrap kubeconfig", kubeletFiles{settings: "config:1;", bootstrap: "boot:2;"}, true},
		{"the settings change", kubeletFiles{settings: "config:2;"}, true},
	}
	var k kubeletFiles
	for _, s := range steps {
		if got := k.update(s.now); got != s.restart {
			t.Errorf("%s: restart = %v, want %v", s.name, got, s.restart)
		}
	}
}
