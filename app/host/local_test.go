package host

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"strconv"
	"testing"
)

var (
	_ Host         = Local{}
	_ AddressPorts = Local{}
)

func TestLocal(t *testing.T) {
	ctx := context.Background()
	var h Host = Local{}
	if h.NumCPU(ctx) < 1 {
		t.Fatal("NumCPU < 1")
	}
	if m, err := h.MemoryMiB(ctx); err != nil || m <= 0 {
		t.Fatalf("MemoryMiB = %d, %v", m, err)
	}
	dir := t.TempDir()
	if _, err := h.ReadDir(ctx, dir+"/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadDir(missing) = %v, want ErrNotExist (DirAvailable relies on it)", err)
	}
	if _, err := h.Stat(ctx, dir); err != nil {
		t.Fatal(err)
	}
}

// TestLocalPortFreeOn listens on a loopback port and checks it on that
// address and on all addresses.
func TestLocalPortFreeOn(t *testing.T) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback: %v", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	h := Local{}
	tests := []struct {
		name    string
		address string
		free    bool
	}{
		{"same address", "127.0.0.1", false},
		{"all addresses", "", false},
	}
	if other, err := net.Listen("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(port))); err == nil {
		other.Close()
		tests = append(tests, struct {
			name    string
			address string
			free    bool
		}{"another address", "127.0.0.2", true})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.PortFreeOn(ctx, tc.address, port); got != tc.free {
				t.Fatalf("PortFreeOn(%q, %d) = %v, want %v", tc.address, port, got, tc.free)
			}
		})
	}
	if h.PortFree(ctx, port) {
		t.Fatalf("PortFree(%d) with the port held on 127.0.0.1", port)
	}
}
