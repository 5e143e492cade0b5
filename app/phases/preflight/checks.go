package preflight

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// Host is what checks read from the machine; tests fake it.
type Host interface {
	UID() int
	NumCPU() int
	MemoryMiB() (int, error)
	ReadFile(path string) ([]byte, error)
	ReadDir(path string) ([]os.DirEntry, error)
	Stat(path string) (os.FileInfo, error)
	LookPath(name string) (string, error)
	// PortFree reports whether a TCP port can be bound on all addresses.
	// Hosts that also implement AddressPorts are asked about one address
	// when a check has one.
	PortFree(port int) bool
	// CgroupV2 reports whether the unified cgroup hierarchy is in use.
	CgroupV2() bool
}

// IsPrivilegedUser fails unless the command runs as root.
func IsPrivilegedUser(h Host) Check {
	return Check{Name: "IsPrivilegedUser", Run: func() ([]string, error) {
		if h.UID() != 0 {
			return nil, errors.New("user is not running as root")
		}
		return nil, nil
	}}
}

// NumCPU fails below minimum CPUs.
func NumCPU(h Host, minimum int) Check {
	return Check{Name: "NumCPU", Run: func() ([]string, error) {
		if n := h.NumCPU(); n < minimum {
			return nil, fmt.Errorf("the number of available CPUs %d is less than the required %d", n, minimum)
		}
		return nil, nil
	}}
}

// Mem fails below minimum MiB of memory.
func Mem(h Host, minimumMiB int) Check {
	return Check{Name: "Mem", Run: func() ([]string, error) {
		m, err := h.MemoryMiB()
		if err != nil {
			return []string{"cannot read the memory size: " + err.Error()}, nil
		}
		if m < minimumMiB {
			return nil, fmt.Errorf("the system RAM (%d MB) is less than the minimum %d MB", m, minimumMiB)
		}
		return nil, nil
	}}
}

// AddressPorts is implemented by hosts that can test a port on a single
// address, as a component bound to that address would listen.
type AddressPorts interface {
	// PortFreeOn reports whether a TCP port can be bound on address; ""
	// means all addresses.
	PortFreeOn(address string, port int) bool
}

// Port fails when a TCP port cannot be listened on at address ("" for all
// addresses, which is what a component without a bind address does). A
// host that cannot test one address is asked about all of them.
func Port(h Host, address string, port int) Check {
	return Check{Name: "Port-" + strconv.Itoa(port), Run: func() ([]string, error) {
		free := false
		if a, ok := h.(AddressPorts); ok {
			free = a.PortFreeOn(address, port)
		} else {
			free = h.PortFree(port)
		}
		if !free {
			return nil, fmt.Errorf("Port %d is in use", port) //nolint:staticcheck // upstream's wording
		}
		return nil, nil
	}}
}

// checkName turns a path into upstream's check name suffix.
func checkName(path string) string { return strings.ReplaceAll(path, "/", "-") }

// FileAvailable fails when path exists.
func FileAvailable(h Host, path string) Check {
	return Check{Name: "FileAvailable-" + checkName(path), Run: func() ([]string, error) {
		if _, err := h.Stat(path); err == nil {
			return nil, fmt.Errorf("%s already exists", path)
		}
		return nil, nil
	}}
}

// DirAvailable fails when dir exists and is not empty.
func DirAvailable(h Host, dir string) Check {
	return Check{Name: "DirAvailable-" + checkName(dir), Run: func() ([]string, error) {
		entries, err := h.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", dir, err)
		}
		if len(entries) > 0 {
			return nil, fmt.Errorf("%s is not empty", dir)
		}
		return nil, nil
	}}
}

// FileContent fails unless path holds want (ignoring surrounding space).
func FileContent(h Host, path, want string) Check {
	return Check{Name: "FileContent-" + checkName(path), Run: func() ([]string, error) {
		b, err := h.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if strings.TrimSpace(string(b)) != want {
			return nil, fmt.Errorf("%s contents are not set to %s", path, want)
		}
		return nil, nil
	}}
}

// InPath fails (or only warns) when an executable is missing.
func InPath(h Host, name string, mandatory bool) Check {
	return Check{Name: "FileExisting-" + name, Run: func() ([]string, error) {
		if _, err := h.LookPath(name); err != nil {
			if mandatory {
				return nil, fmt.Errorf("%s not found in system path", name)
			}
			return []string{name + " not found in system path"}, nil
		}
		return nil, nil
	}}
}

// Swap warns when swap is on: the kubelet needs failSwapOn: false then.
func Swap(h Host) Check {
	return Check{Name: "Swap", Run: func() ([]string, error) {
		b, err := h.ReadFile("/proc/swaps")
		if err == nil && len(strings.Split(strings.TrimSpace(string(b)), "\n")) > 1 {
			return []string{"swap is supported for cgroup v2 only; the kubelet must be configured to allow it"}, nil
		}
		return nil, nil
	}}
}

// SystemVerification fails on cgroup v1, which the kubelet of this release
// refuses unless failCgroupV1 is false.
func SystemVerification(h Host) Check {
	return Check{Name: "SystemVerification", Run: func() ([]string, error) {
		if !h.CgroupV2() {
			return nil, errors.New("cgroups v1 support is deprecated: the kubelet needs failCgroupV1: false, and the host should move to cgroups v2")
		}
		return nil, nil
	}}
}

// LocalHost is the Host of this machine.
type LocalHost struct{}

// UID returns the effective user ID.
func (LocalHost) UID() int { return os.Geteuid() }

// NumCPU returns the CPUs usable by this process.
func (LocalHost) NumCPU() int { return runtime.NumCPU() }

// MemoryMiB returns the total RAM.
func (LocalHost) MemoryMiB() (int, error) {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0, err
	}
	return int(uint64(si.Totalram) * uint64(si.Unit) / (1 << 20)), nil
}

// ReadFile reads a file.
func (LocalHost) ReadFile(p string) ([]byte, error) { return os.ReadFile(p) }

// ReadDir lists a directory.
func (LocalHost) ReadDir(p string) ([]os.DirEntry, error) { return os.ReadDir(p) }

// Stat stats a path.
func (LocalHost) Stat(p string) (os.FileInfo, error) { return os.Stat(p) }

// LookPath finds an executable.
func (LocalHost) LookPath(n string) (string, error) { return exec.LookPath(n) }

// PortFree tries to listen on the port on all addresses.
func (h LocalHost) PortFree(port int) bool { return h.PortFreeOn("", port) }

// PortFreeOn tries to listen on the port at address ("" for all addresses).
func (LocalHost) PortFreeOn(address string, port int) bool {
	listen := ":" + strconv.Itoa(port)
	if address != "" {
		listen = net.JoinHostPort(address, strconv.Itoa(port))
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// CgroupV2 reports whether /sys/fs/cgroup is the unified hierarchy.
func (LocalHost) CgroupV2() bool {
	_, err := os.Stat(filepath.Join("/sys/fs/cgroup", "cgroup.controllers"))
	return err == nil
}

// CRI fails when the container runtime does not answer on its socket
// (a unix:// URL).
func CRI(socket string) Check {
	return Check{Name: "CRI", Run: func() ([]string, error) {
		if !cri.Answers(strings.TrimPrefix(socket, "unix://")) {
			return nil, fmt.Errorf("the container runtime does not answer on %s", socket)
		}
		return nil, nil
	}}
}

// criCheckTimeout bounds each call of the ContainerRuntimeVersion check, as
// crictl's default timeout does.
const criCheckTimeout = 2 * time.Second

// runtimeConfigMissing is the warning for a runtime without RuntimeConfig,
// in upstream's words.
const runtimeConfigMissing = "You must update your container runtime to a version that supports the CRI method RuntimeConfig. " +
	"Falling back to using cgroupDriver from kubelet config will be removed in 1.38. " +
	"For more information, see https://git.k8s.io/enhancements/keps/sig-node/4033-group-driver-detection-over-cri"

// ContainerRuntimeVersion warns when the runtime on socket does not
// implement the CRI RuntimeConfig method, and fails when it cannot be asked.
func ContainerRuntimeVersion(socket string) Check {
	return Check{Name: "ContainerRuntimeVersion", Run: func() ([]string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), criCheckTimeout)
		c, err := cri.Dial(ctx, socket)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("could not connect to the container runtime: %w", err)
		}
		defer c.Close()
		c.CallTimeout = criCheckTimeout
		ok, err := c.RuntimeConfigImplemented(context.Background())
		if err != nil {
			return nil, fmt.Errorf("could not check if the runtime config is available: %w", err)
		}
		if !ok {
			return []string{runtimeConfigMissing}, nil
		}
		return nil, nil
	}}
}
