package preflight

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestCRI(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "cri.sock")
	if _, err := CRI("unix://" + sock).Run(context.Background()); err == nil || !strings.Contains(err.Error(), sock) {
		t.Errorf("no runtime: %v", err)
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := CRI("unix://" + sock).Run(context.Background()); err != nil {
		t.Errorf("a listening runtime: %v", err)
	}
}
