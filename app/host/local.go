package host

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
)

// Local is the Host of this machine.
type Local struct{}

// UID returns the effective user ID.
func (Local) UID(context.Context) int { return os.Geteuid() }

// NumCPU returns the CPUs usable by this process.
func (Local) NumCPU(context.Context) int { return runtime.NumCPU() }

// MemoryMiB returns the total RAM.
func (Local) MemoryMiB(context.Context) (int, error) {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0, fmt.Errorf("sysinfo: %w", err)
	}
	return int(uint64(si.Totalram) * uint64(si.Unit) / (1 << 20)), nil
}

// ReadFile reads a file.
func (Local) ReadFile(_ context.Context, p string) ([]byte, error) { return os.ReadFile(p) }

// ReadDir lists a directory.
func (Local) ReadDir(_ context.Context, p string) ([]os.DirEntry, error) { return os.ReadDir(p) }

// Stat stats a path.
func (Local) Stat(_ context.Context, p string) (os.FileInfo, error) { return os.Stat(p) }

// LookPath finds an executable.
func (Local) LookPath(_ context.Context, n string) (string, error) { return exec.LookPath(n) }

// PortFree tries to listen on the port on all addresses.
func (h Local) PortFree(ctx context.Context, port int) bool { return h.PortFreeOn(ctx, "", port) }

// PortFreeOn tries to listen on the port at address ("" for all addresses).
func (Local) PortFreeOn(ctx context.Context, address string, port int) bool {
	listen := ":" + strconv.Itoa(port)
	if address != "" {
		listen = net.JoinHostPort(address, strconv.Itoa(port))
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// CgroupV2 reports whether /sys/fs/cgroup is the unified hierarchy.
func (Local) CgroupV2(context.Context) bool {
	_, err := os.Stat(filepath.Join("/sys/fs/cgroup", "cgroup.controllers"))
	return err == nil
}
