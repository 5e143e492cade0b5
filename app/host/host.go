package host

import (
	"context"
	"os"
)

// Host is what the preflight checks read from the machine; tests fake it.
type Host interface {
	// UID returns the effective user ID.
	UID(ctx context.Context) int
	// NumCPU returns the CPUs usable by this process.
	NumCPU(ctx context.Context) int
	// MemoryMiB returns the total RAM in MiB.
	MemoryMiB(ctx context.Context) (int, error)
	// ReadFile reads the file at path.
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// ReadDir lists the directory at path.
	ReadDir(ctx context.Context, path string) ([]os.DirEntry, error)
	// Stat stats path.
	Stat(ctx context.Context, path string) (os.FileInfo, error)
	// LookPath finds the executable name in the PATH.
	LookPath(ctx context.Context, name string) (string, error)
	// PortFree reports whether a TCP port can be bound on all addresses.
	// Hosts that also implement AddressPorts are asked about one address
	// when a check has one.
	PortFree(ctx context.Context, port int) bool
	// CgroupV2 reports whether the unified cgroup hierarchy is in use.
	CgroupV2(ctx context.Context) bool
}

// AddressPorts is implemented by hosts that can test a port on a single
// address, as a component bound to that address would listen.
type AddressPorts interface {
	// PortFreeOn reports whether a TCP port can be bound on address; ""
	// means all addresses.
	PortFreeOn(ctx context.Context, address string, port int) bool
}
