package preflight

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
)

// IsPrivilegedUser fails unless the command runs as root.
func IsPrivilegedUser(h host.Host) Check {
	return Check{Name: "IsPrivilegedUser", Run: func(ctx context.Context) ([]string, error) {
		if h.UID(ctx) != 0 {
			return nil, errors.New("user is not running as root")
		}
		return nil, nil
	}}
}

// NumCPU fails below minimum CPUs.
func NumCPU(h host.Host, minimum int) Check {
	return Check{Name: "NumCPU", Run: func(ctx context.Context) ([]string, error) {
		if n := h.NumCPU(ctx); n < minimum {
			return nil, fmt.Errorf("the number of available CPUs %d is less than the required %d", n, minimum)
		}
		return nil, nil
	}}
}

// Mem fails below minimum MiB of memory.
func Mem(h host.Host, minimumMiB int) Check {
	return Check{Name: "Mem", Run: func(ctx context.Context) ([]string, error) {
		m, err := h.MemoryMiB(ctx)
		if err != nil {
			return []string{"cannot read the memory size: " + err.Error()}, nil
		}
		if m < minimumMiB {
			return nil, fmt.Errorf("the system RAM (%d MB) is less than the minimum %d MB", m, minimumMiB)
		}
		return nil, nil
	}}
}

// Port fails when a TCP port cannot be listened on at address ("" for all
// addresses, which is what a component without a bind address does). A
// host that cannot test one address is asked about all of them.
func Port(h host.Host, address string, port int) Check {
	return Check{Name: "Port-" + strconv.Itoa(port), Run: func(ctx context.Context) ([]string, error) {
		free := false
		if a, ok := h.(host.AddressPorts); ok {
			free = a.PortFreeOn(ctx, address, port)
		} else {
			free = h.PortFree(ctx, port)
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
func FileAvailable(h host.Host, path string) Check {
	return Check{Name: "FileAvailable-" + checkName(path), Run: func(ctx context.Context) ([]string, error) {
		if _, err := h.Stat(ctx, path); err == nil {
			return nil, fmt.Errorf("%s already exists", path)
		}
		return nil, nil
	}}
}

// DirAvailable fails when dir exists and is not empty.
func DirAvailable(h host.Host, dir string) Check {
	return Check{Name: "DirAvailable-" + checkName(dir), Run: func(ctx context.Context) ([]string, error) {
		entries, err := h.ReadDir(ctx, dir)
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
func FileContent(h host.Host, path, want string) Check {
	return Check{Name: "FileContent-" + checkName(path), Run: func(ctx context.Context) ([]string, error) {
		b, err := h.ReadFile(ctx, path)
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
func InPath(h host.Host, name string, mandatory bool) Check {
	return Check{Name: "FileExisting-" + name, Run: func(ctx context.Context) ([]string, error) {
		if _, err := h.LookPath(ctx, name); err != nil {
			if mandatory {
				return nil, fmt.Errorf("%s not found in system path", name)
			}
			return []string{name + " not found in system path"}, nil
		}
		return nil, nil
	}}
}

// KubeletSwap is what the node's kubelet is told about swap. Known is
// false where preflight runs before that configuration is read (join,
// which downloads it from the cluster later).
type KubeletSwap struct {
	Known bool
	// FailSwapOn is the kubelet's failSwapOn (true by default), or its
	// --fail-swap-on flag when kubeletExtraArgs gives one.
	FailSwapOn bool
	// Behavior is memorySwap.swapBehavior: "", NoSwap or LimitedSwap.
	Behavior string
}

// swapWarning is upstream's warning when swap is on.
const swapWarning = "swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. " +
	"Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node"

// Swap warns when swap is on, as upstream does. Where the kubelet's
// settings are known (init), it fails where that kubelet would refuse to
// start, which upstream only finds out when the kubelet never gets healthy:
// swap on while failSwapOn is true, and LimitedSwap on cgroup v1.
func Swap(h host.Host, k KubeletSwap) Check {
	return Check{Name: "Swap", Run: func(ctx context.Context) ([]string, error) {
		if k.Known && k.Behavior == "LimitedSwap" && !h.CgroupV2(ctx) {
			return nil, errors.New("the KubeletConfiguration's memorySwap.swapBehavior is LimitedSwap, which the kubelet supports on cgroup v2 only, " +
				"and this host runs cgroup v1: the kubelet would refuse to start; use NoSwap (or leave it empty), or move the host to cgroup v2")
		}
		b, err := h.ReadFile(ctx, "/proc/swaps")
		if err != nil || len(strings.Split(strings.TrimSpace(string(b)), "\n")) < 2 {
			return nil, nil
		}
		if k.Known && k.FailSwapOn {
			return nil, errors.New("swap is on and the kubelet's failSwapOn is true (its default): the kubelet would refuse to start; " +
				"set failSwapOn: false in the KubeletConfiguration, or turn swap off (swapoff -a)")
		}
		return []string{swapWarning}, nil
	}}
}

// SystemVerification fails on cgroup v1, which the kubelet of this release
// refuses unless failCgroupV1 is false.
func SystemVerification(h host.Host) Check {
	return Check{Name: "SystemVerification", Run: func(ctx context.Context) ([]string, error) {
		if !h.CgroupV2(ctx) {
			return nil, errors.New("cgroups v1 support is deprecated: the kubelet needs failCgroupV1: false, and the host should move to cgroups v2")
		}
		return nil, nil
	}}
}

// CRI fails when the container runtime does not answer on its socket
// (a unix:// URL).
func CRI(socket string) Check { return CRIWith(socket, cri.Answers) }

// CRIWith is CRI asking answers (cri.Answers on a real host) whether a
// server listens on the socket's path.
func CRIWith(socket string, answers func(path string) bool) Check {
	return Check{Name: "CRI", Run: func(context.Context) ([]string, error) {
		if !answers(strings.TrimPrefix(socket, "unix://")) {
			return nil, fmt.Errorf("the container runtime does not answer on %s", socket)
		}
		return nil, nil
	}}
}

// RuntimeConfigAsker is what ContainerRuntimeVersion needs of a connection
// to the container runtime.
type RuntimeConfigAsker interface {
	RuntimeConfigImplemented(ctx context.Context) (bool, error)
	Close() error
}

// RuntimeDialer connects to the container runtime at socket.
type RuntimeDialer func(ctx context.Context, socket string) (RuntimeConfigAsker, error)

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
	return ContainerRuntimeVersionWith(socket, func(ctx context.Context, socket string) (RuntimeConfigAsker, error) {
		return cri.Dial(ctx, socket)
	})
}

// ContainerRuntimeVersionWith is ContainerRuntimeVersion connecting with
// dial; each call is bounded by criCheckTimeout.
func ContainerRuntimeVersionWith(socket string, dial RuntimeDialer) Check {
	return Check{Name: "ContainerRuntimeVersion", Run: func(ctx context.Context) ([]string, error) {
		dialCtx, cancel := context.WithTimeout(ctx, criCheckTimeout)
		c, err := dial(dialCtx, socket)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("could not connect to the container runtime: %w", err)
		}
		defer c.Close()
		callCtx, cancel := context.WithTimeout(ctx, criCheckTimeout)
		defer cancel()
		ok, err := c.RuntimeConfigImplemented(callCtx)
		if err != nil {
			return nil, fmt.Errorf("could not check if the runtime config is available: %w", err)
		}
		if !ok {
			return []string{runtimeConfigMissing}, nil
		}
		return nil, nil
	}}
}
