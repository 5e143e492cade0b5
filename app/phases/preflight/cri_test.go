package preflight

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestCRI(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "cri.sock")
	if _, err := CRI("unix://" + sock).Run(); err == nil || !strings.Contains(err.Error(), sock) {
		t.Errorf("no runtime: %v", err)
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := CRI("unix://" + sock).Run(); err != nil {
		t.Errorf("a listening runtime: %v", err)
	}
}
