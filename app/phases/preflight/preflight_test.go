package preflight

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/host"
)

// fakeHost is a host.Host whose answers are fields; paths not in files or dirs
// do not exist.
type fakeHost struct {
	uid       int
	cpus      int
	memMiB    int
	memErr    error
	files     map[string]string
	dirs      map[string][]string // directory -> entry names
	dirErr    error
	path      map[string]bool // executables found
	usedPorts map[int]bool    // held on every address
	usedOn    map[string]bool // "address:port" held on that address only
	asked     map[int]string  // port -> the address it was last checked on
	cgroupV2  bool
}

func (h *fakeHost) UID(context.Context) int                { return h.uid }
func (h *fakeHost) NumCPU(context.Context) int             { return h.cpus }
func (h *fakeHost) MemoryMiB(context.Context) (int, error) { return h.memMiB, h.memErr }
func (h *fakeHost) CgroupV2(context.Context) bool          { return h.cgroupV2 }
func (h *fakeHost) PortFree(ctx context.Context, port int) bool {
	return h.PortFreeOn(ctx, "", port)
}

// PortFreeOn answers as the kernel does: a port held on every address
// conflicts with any address, one held on an address conflicts with that
// address and with all addresses.
func (h *fakeHost) PortFreeOn(_ context.Context, address string, port int) bool {
	if h.asked == nil {
		h.asked = map[int]string{}
	}
	h.asked[port] = address
	if h.usedPorts[port] {
		return false
	}
	for hp := range h.usedOn {
		a, p, _ := net.SplitHostPort(hp)
		if p == strconv.Itoa(port) && (address == "" || a == address) {
			return false
		}
	}
	return true
}

func (h *fakeHost) ReadFile(_ context.Context, p string) ([]byte, error) {
	if c, ok := h.files[p]; ok {
		return []byte(c), nil
	}
	return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
}

func (h *fakeHost) ReadDir(_ context.Context, p string) ([]os.DirEntry, error) {
	if h.dirErr != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: h.dirErr}
	}
	names, ok := h.dirs[p]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	var out []os.DirEntry
	for _, n := range names {
		out = append(out, fs.FileInfoToDirEntry(fileInfo{name: n}))
	}
	return out, nil
}

func (h *fakeHost) Stat(_ context.Context, p string) (os.FileInfo, error) {
	if _, ok := h.files[p]; ok {
		return fileInfo{name: p}, nil
	}
	if _, ok := h.dirs[p]; ok {
		return fileInfo{name: p, dir: true}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrNotExist}
}

func (h *fakeHost) LookPath(_ context.Context, n string) (string, error) {
	if h.path[n] {
		return "/usr/bin/" + n, nil
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", n)
}

type fileInfo struct {
	name string
	dir  bool
}

func (f fileInfo) Name() string { return f.name }
func (f fileInfo) Size() int64  { return 0 }
func (f fileInfo) Mode() fs.FileMode {
	if f.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (f fileInfo) ModTime() time.Time { return time.Time{} }
func (f fileInfo) IsDir() bool        { return f.dir }
func (f fileInfo) Sys() any           { return nil }

// goodHost passes every check used below.
func goodHost() *fakeHost {
	return &fakeHost{
		cpus: 4, memMiB: 8192, cgroupV2: true,
		files: map[string]string{"/proc/sys/net/ipv4/ip_forward": "1\n"},
		dirs:  map[string][]string{"/var/lib/etcd": nil},
		path:  map[string]bool{"crictl": true, "conntrack": true},
	}
}

const swapsHeader = "Filename\tType\tSize\tUsed\tPriority\n"

var preflight0 KubeletSwap

func swapOn(h *fakeHost) { h.files["/proc/swaps"] = swapsHeader + "/swap.img\tfile\t2097148\t0\t-2\n" }

func swap(k KubeletSwap) func(host.Host) Check { return func(h host.Host) Check { return Swap(h, k) } }

func TestChecks(t *testing.T) {
	type result struct {
		name     string
		warnings int
		errPart  string // "" for no error
	}
	tests := []struct {
		desc  string
		host  func(h *fakeHost)
		check func(h host.Host) Check
		want  result
	}{
		{"root", func(h *fakeHost) {}, IsPrivilegedUser, result{"IsPrivilegedUser", 0, ""}},
		{"not-root", func(h *fakeHost) { h.uid = 1000 }, IsPrivilegedUser, result{"IsPrivilegedUser", 0, "not running as root"}},

		{"cpus-enough", func(h *fakeHost) { h.cpus = 2 }, func(h host.Host) Check { return NumCPU(h, 2) }, result{"NumCPU", 0, ""}},
		{"cpus-few", func(h *fakeHost) { h.cpus = 1 }, func(h host.Host) Check { return NumCPU(h, 2) }, result{"NumCPU", 0, "CPUs 1 is less than the required 2"}},

		{"mem-enough", func(h *fakeHost) { h.memMiB = 1700 }, func(h host.Host) Check { return Mem(h, 1700) }, result{"Mem", 0, ""}},
		{"mem-low", func(h *fakeHost) { h.memMiB = 1024 }, func(h host.Host) Check { return Mem(h, 1700) }, result{"Mem", 0, "1024 MB"}},
		{"mem-unreadable-warns", func(h *fakeHost) { h.memErr = errors.New("no sysinfo") }, func(h host.Host) Check { return Mem(h, 1700) }, result{"Mem", 1, ""}},

		{"port-free", func(h *fakeHost) {}, func(h host.Host) Check { return Port(h, "", 6443) }, result{"Port-6443", 0, ""}},
		{"port-used", func(h *fakeHost) { h.usedPorts = map[int]bool{10250: true} }, func(h host.Host) Check { return Port(h, "", 10250) }, result{"Port-10250", 0, "Port 10250 is in use"}},
		{"port-used-on-address", func(h *fakeHost) { h.usedOn = map[string]bool{"10.0.0.1:6443": true} }, func(h host.Host) Check { return Port(h, "10.0.0.1", 6443) },
			result{"Port-6443", 0, "Port 6443 is in use"}},
		{"port-used-on-other-address", func(h *fakeHost) { h.usedOn = map[string]bool{"127.0.0.1:6443": true} }, func(h host.Host) Check { return Port(h, "10.0.0.1", 6443) },
			result{"Port-6443", 0, ""}},
		{"port-used-on-an-address-checked-on-all", func(h *fakeHost) { h.usedOn = map[string]bool{"127.0.0.1:6443": true} }, func(h host.Host) Check { return Port(h, "", 6443) },
			result{"Port-6443", 0, "Port 6443 is in use"}},
		{"port-used-everywhere-checked-on-address", func(h *fakeHost) { h.usedPorts = map[int]bool{6443: true} }, func(h host.Host) Check { return Port(h, "10.0.0.1", 6443) },
			result{"Port-6443", 0, "Port 6443 is in use"}},

		{"file-available", func(h *fakeHost) {}, func(h host.Host) Check { return FileAvailable(h, "/etc/kubernetes/manifests/kube-apiserver.yaml") },
			result{"FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml", 0, ""}},
		{"file-exists", func(h *fakeHost) { h.files["/etc/kubernetes/kubelet.conf"] = "x" }, func(h host.Host) Check { return FileAvailable(h, "/etc/kubernetes/kubelet.conf") },
			result{"FileAvailable--etc-kubernetes-kubelet.conf", 0, "/etc/kubernetes/kubelet.conf already exists"}},

		{"dir-missing", func(h *fakeHost) {}, func(h host.Host) Check { return DirAvailable(h, "/var/lib/other") }, result{"DirAvailable--var-lib-other", 0, ""}},
		{"dir-empty", func(h *fakeHost) {}, func(h host.Host) Check { return DirAvailable(h, "/var/lib/etcd") }, result{"DirAvailable--var-lib-etcd", 0, ""}},
		{"dir-not-empty", func(h *fakeHost) { h.dirs["/var/lib/etcd"] = []string{"member"} }, func(h host.Host) Check { return DirAvailable(h, "/var/lib/etcd") },
			result{"DirAvailable--var-lib-etcd", 0, "/var/lib/etcd is not empty"}},
		{"dir-unreadable", func(h *fakeHost) { h.dirErr = fs.ErrPermission }, func(h host.Host) Check { return DirAvailable(h, "/var/lib/etcd") },
			result{"DirAvailable--var-lib-etcd", 0, "permission denied"}},

		{"content-ok", func(h *fakeHost) {}, func(h host.Host) Check { return FileContent(h, "/proc/sys/net/ipv4/ip_forward", "1") },
			result{"FileContent--proc-sys-net-ipv4-ip_forward", 0, ""}},
		{"content-wrong", func(h *fakeHost) { h.files["/proc/sys/net/ipv4/ip_forward"] = "0\n" }, func(h host.Host) Check { return FileContent(h, "/proc/sys/net/ipv4/ip_forward", "1") },
			result{"FileContent--proc-sys-net-ipv4-ip_forward", 0, "/proc/sys/net/ipv4/ip_forward contents are not set to 1"}},
		{"content-missing", func(h *fakeHost) { delete(h.files, "/proc/sys/net/ipv4/ip_forward") }, func(h host.Host) Check { return FileContent(h, "/proc/sys/net/ipv4/ip_forward", "1") },
			result{"FileContent--proc-sys-net-ipv4-ip_forward", 0, "read /proc/sys/net/ipv4/ip_forward"}},

		{"in-path", func(h *fakeHost) {}, func(h host.Host) Check { return InPath(h, "crictl", true) }, result{"FileExisting-crictl", 0, ""}},
		{"not-in-path-mandatory", func(h *fakeHost) { h.path = nil }, func(h host.Host) Check { return InPath(h, "crictl", true) }, result{"FileExisting-crictl", 0, "crictl not found in system path"}},
		{"not-in-path-optional", func(h *fakeHost) { h.path = nil }, func(h host.Host) Check { return InPath(h, "socat", false) }, result{"FileExisting-socat", 1, ""}},

		{"cgroup-v2", func(h *fakeHost) {}, SystemVerification, result{"SystemVerification", 0, ""}},
		{"cgroup-v1", func(h *fakeHost) { h.cgroupV2 = false }, SystemVerification, result{"SystemVerification", 0, "cgroups v1"}},

		{"no-swap", func(h *fakeHost) { h.files["/proc/swaps"] = swapsHeader }, swap(preflight0), result{"Swap", 0, ""}},
		{"swap-on", swapOn, swap(preflight0), result{"Swap", 1, ""}},
		{"no-proc-swaps", func(h *fakeHost) {}, swap(preflight0), result{"Swap", 0, ""}},
		{"swap-on-kubelet-allows", swapOn, swap(KubeletSwap{Known: true, Behavior: "NoSwap"}), result{"Swap", 1, ""}},
		{"swap-on-kubelet-fails", swapOn, swap(KubeletSwap{Known: true, FailSwapOn: true}), result{"Swap", 0, "failSwapOn is true"}},
		{"no-swap-kubelet-fails", func(h *fakeHost) { h.files["/proc/swaps"] = swapsHeader }, swap(KubeletSwap{Known: true, FailSwapOn: true}), result{"Swap", 0, ""}},
		{"limited-swap-cgroup-v2", swapOn, swap(KubeletSwap{Known: true, Behavior: "LimitedSwap"}), result{"Swap", 1, ""}},
		{"limited-swap-cgroup-v1", func(h *fakeHost) { swapOn(h); h.cgroupV2 = false }, swap(KubeletSwap{Known: true, Behavior: "LimitedSwap"}), result{"Swap", 0, "supports on cgroup v2 only"}},
		{"limited-swap-cgroup-v1-unknown", func(h *fakeHost) { swapOn(h); h.cgroupV2 = false }, swap(preflight0), result{"Swap", 1, ""}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := goodHost()
			tc.host(h)
			c := tc.check(h)
			if c.Name != tc.want.name {
				t.Fatalf("name %q, want %q", c.Name, tc.want.name)
			}
			warnings, err := c.Run(context.Background())
			if len(warnings) != tc.want.warnings {
				t.Fatalf("warnings %q, want %d", warnings, tc.want.warnings)
			}
			switch {
			case tc.want.errPart == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want.errPart != "" && err == nil:
				t.Fatalf("no error, want one mentioning %q", tc.want.errPart)
			case tc.want.errPart != "" && !strings.Contains(err.Error(), tc.want.errPart):
				t.Fatalf("error %q does not mention %q", err, tc.want.errPart)
			}
		})
	}
}

func failing(name, msg string) Check {
	return Check{Name: name, Run: func(context.Context) ([]string, error) { return nil, errors.New(msg) }}
}

func passing(name string, warnings ...string) Check {
	return Check{Name: name, Run: func(context.Context) ([]string, error) { return warnings, nil }}
}

func TestRunAndErr(t *testing.T) {
	checks := []Check{
		passing("NumCPU"),
		failing("Port-6443", "port 6443 is in use"),
		passing("Swap", "swap is on"),
		failing("FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml", "/etc/kubernetes/manifests/kube-apiserver.yaml already exists"),
		failing("DirAvailable--var-lib-etcd", "/var/lib/etcd is not empty"),
	}
	r := Run(context.Background(), checks, nil)
	if len(r.Failures) != 3 {
		t.Fatalf("failures %+v, want 3", r.Failures)
	}
	if want := []string{"[Swap]: swap is on"}; !reflect.DeepEqual(r.Warnings, want) {
		t.Fatalf("warnings %q, want %q", r.Warnings, want)
	}
	if len(r.Ignored) != 0 {
		t.Fatalf("ignored %q", r.Ignored)
	}
	err := r.Err()
	if err == nil {
		t.Fatal("Err() = nil with failures")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Fatalf("error spans several lines: %q", msg)
	}
	for _, want := range []string{
		"3 preflight check(s) failed",
		"[Port-6443] port 6443 is in use",
		"[FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml] /etc/kubernetes/manifests/kube-apiserver.yaml already exists",
		"[DirAvailable--var-lib-etcd] /var/lib/etcd is not empty",
		"--ignore-preflight-errors=DirAvailable--var-lib-etcd,FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml,Port-6443",
	} {
		if !strings.Contains(msg, want) {
			t.Fatalf("error %q does not contain %q", msg, want)
		}
	}
	for _, passed := range []string{"NumCPU", "Swap"} {
		if strings.Contains(msg, passed) {
			t.Fatalf("error %q names the passing check %s", msg, passed)
		}
	}
}

func TestRunIgnore(t *testing.T) {
	checks := []Check{
		failing("Port-6443", "port 6443 is in use"),
		failing("NumCPU", "the number of available CPUs 1 is less than the required 2"),
		failing("Mem", "too little"),
	}
	tests := []struct {
		name        string
		ignore      []string
		wantFailed  []string
		wantIgnored int
	}{
		{"none", nil, []string{"Port-6443", "NumCPU", "Mem"}, 0},
		{"exact", []string{"NumCPU"}, []string{"Port-6443", "Mem"}, 1},
		{"case-insensitive", []string{"port-6443", "MEM"}, []string{"NumCPU"}, 2},
		{"all", []string{"all"}, nil, 3},
		{"all-uppercase", []string{"ALL"}, nil, 3},
		{"unknown-name", []string{"Port-10250"}, []string{"Port-6443", "NumCPU", "Mem"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Run(context.Background(), checks, tc.ignore)
			var failed []string
			for _, f := range r.Failures {
				failed = append(failed, f.Name)
			}
			if !reflect.DeepEqual(failed, tc.wantFailed) {
				t.Fatalf("failed %v, want %v", failed, tc.wantFailed)
			}
			if len(r.Ignored) != tc.wantIgnored {
				t.Fatalf("ignored %q, want %d", r.Ignored, tc.wantIgnored)
			}
			for _, ig := range r.Ignored {
				if !strings.HasPrefix(ig, "[") || !strings.Contains(ig, "]: ") {
					t.Fatalf("ignored entry %q does not name its check", ig)
				}
			}
			if (r.Err() == nil) != (len(tc.wantFailed) == 0) {
				t.Fatalf("Err() = %v with failures %v", r.Err(), tc.wantFailed)
			}
		})
	}
}

func TestRunAllPass(t *testing.T) {
	r := Run(context.Background(), []Check{passing("A"), passing("B")}, nil)
	if r.Err() != nil || len(r.Failures) != 0 || len(r.Warnings) != 0 || len(r.Ignored) != 0 {
		t.Fatalf("result %+v", r)
	}
}

func TestRunRunsEveryCheck(t *testing.T) {
	ran := 0
	count := func(name string, fail bool) Check {
		return Check{Name: name, Run: func(context.Context) ([]string, error) {
			ran++
			if fail {
				return nil, errors.New("bad")
			}
			return nil, nil
		}}
	}
	Run(context.Background(), []Check{count("A", true), count("B", false), count("C", true)}, nil)
	if ran != 3 {
		t.Fatalf("%d checks ran, want 3 (a failure must not stop the others)", ran)
	}
}

func TestRealisticHost(t *testing.T) {
	h := goodHost()
	h.uid = 1000
	h.cpus = 1
	h.usedPorts = map[int]bool{6443: true}
	h.dirs["/var/lib/etcd"] = []string{"member"}
	checks := []Check{
		IsPrivilegedUser(h), NumCPU(h, 2), Mem(h, 1700), Port(h, "", 6443), Port(h, "", 10250),
		FileAvailable(h, "/etc/kubernetes/manifests/kube-apiserver.yaml"), DirAvailable(h, "/var/lib/etcd"),
		FileContent(h, "/proc/sys/net/ipv4/ip_forward", "1"), InPath(h, "crictl", true), SystemVerification(h),
	}
	r := Run(context.Background(), checks, []string{"isprivilegeduser"})
	var failed []string
	for _, f := range r.Failures {
		failed = append(failed, f.Name)
	}
	if want := []string{"NumCPU", "Port-6443", "DirAvailable--var-lib-etcd"}; !reflect.DeepEqual(failed, want) {
		t.Fatalf("failed %v, want %v", failed, want)
	}
	if len(r.Ignored) != 1 || !strings.Contains(r.Ignored[0], "IsPrivilegedUser") {
		t.Fatalf("ignored %q", r.Ignored)
	}
	if !strings.Contains(r.Err().Error(), "--ignore-preflight-errors=DirAvailable--var-lib-etcd,NumCPU,Port-6443") {
		t.Fatalf("error %q", r.Err())
	}
}

// ctxKey marks the context a test runs checks with.
type ctxKey struct{}

// TestRunPassesContext: every check, and through it the host, is run with
// the context Run was given.
func TestRunPassesContext(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey{}, "run")
	seen := 0
	c := Check{Name: "A", Run: func(got context.Context) ([]string, error) {
		if got.Value(ctxKey{}) == "run" {
			seen++
		}
		return nil, nil
	}}
	h := &ctxHost{fakeHost: goodHost()}
	Run(ctx, []Check{c, NumCPU(h, 1), Port(h, "10.0.0.1", 6443)}, nil)
	if seen != 1 || h.seen != 2 {
		t.Fatalf("the check saw the context %d times (want 1), the host %d times (want 2)", seen, h.seen)
	}
}

// ctxHost counts the calls made with the test's context.
type ctxHost struct {
	*fakeHost
	seen int
}

func (h *ctxHost) NumCPU(ctx context.Context) int {
	if ctx.Value(ctxKey{}) == "run" {
		h.seen++
	}
	return h.fakeHost.NumCPU(ctx)
}

func (h *ctxHost) PortFreeOn(ctx context.Context, address string, port int) bool {
	if ctx.Value(ctxKey{}) == "run" {
		h.seen++
	}
	return h.fakeHost.PortFreeOn(ctx, address, port)
}
