package users

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

const (
	basePasswd = "root:x:0:0:root:/root:/bin/bash\n# a comment\nsystemd-network:x:100:102::/run/systemd:/usr/sbin/nologin\nmessagebus:x:101:104::/nonexistent:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n"
	baseGroup  = "root:x:0:\nsystemd-journal:x:100:\nsystemd-network:x:102:\nmessagebus:x:104:\nalice:x:1000:\n"
)

func newDB(t *testing.T, passwd, group, loginDefs string) Files {
	t.Helper()
	dir := t.TempDir()
	f := Files{Passwd: filepath.Join(dir, "passwd"), Group: filepath.Join(dir, "group"), LoginDefs: filepath.Join(dir, "login.defs")}
	for path, body := range map[string]string{f.Passwd: passwd, f.Group: group, f.LoginDefs: loginDefs} {
		if body == "-" {
			continue
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func read2(t *testing.T, f Files) (string, string) {
	t.Helper()
	p, err := os.ReadFile(f.Passwd)
	if err != nil {
		t.Fatal(err)
	}
	g, err := os.ReadFile(f.Group)
	if err != nil {
		t.Fatal(err)
	}
	return string(p), string(g)
}

func TestEnsureCreatesCheckedEntriesOnce(t *testing.T) {
	f := newDB(t, basePasswd, baseGroup, "SYS_UID_MIN 100\n#SYS_UID_MAX 5\nSYS_UID_MAX 999\nSYS_GID_MIN 101\nSYS_GID_MAX 999\n")
	ids, err := Ensure(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := &manifests.NonRootIDs{Etcd: manifests.UserGroup{UID: 102, GID: 101}, APIServer: manifests.UserGroup{UID: 103, GID: 103},
		ControllerManager: manifests.UserGroup{UID: 104, GID: 105}, Scheduler: manifests.UserGroup{UID: 105, GID: 106}, ServiceAccountKeyReaders: 107}
	if *ids != *want {
		t.Errorf("IDs %+v, want %+v", *ids, *want)
	}
	p, g := read2(t, f)
	if !strings.HasPrefix(p, basePasswd) || !strings.HasSuffix(p, "kubeadm-etcd:x:102:101:::/bin/false\nkubeadm-kas:x:103:103:::/bin/false\nkubeadm-kcm:x:104:105:::/bin/false\nkubeadm-ks:x:105:106:::/bin/false\n") {
		t.Errorf("passwd:\n%s", p)
	}
	if !strings.HasPrefix(g, baseGroup) || !strings.HasSuffix(g, "kubeadm-etcd:x:101:kubeadm-etcd\nkubeadm-kas:x:103:kubeadm-kas\nkubeadm-kcm:x:105:kubeadm-kcm\nkubeadm-ks:x:106:kubeadm-ks\nkubeadm-sa-key-readers:x:107:kubeadm-kas,kubeadm-kcm\n") {
		t.Errorf("group:\n%s", g)
	}
	again, err := Ensure(context.Background(), f)
	if err != nil || *again != *want {
		t.Errorf("second run: %+v %v", again, err)
	}
	if p2, g2 := read2(t, f); p2 != p || g2 != g {
		t.Error("a second run changed the database")
	}
	if found, err := Lookup(f); err != nil || found == nil || *found != *want {
		t.Errorf("Lookup: %+v %v", found, err)
	}
	n, err := Remove(context.Background(), f)
	if err != nil || n != 9 {
		t.Errorf("removed %d: %v", n, err)
	}
	if p3, g3 := read2(t, f); p3 != basePasswd || g3 != baseGroup {
		t.Errorf("after removal:\n%s\n%s", p3, g3)
	}
	if n, err := Remove(context.Background(), f); n != 0 || err != nil {
		t.Errorf("removing again: %d %v", n, err)
	}
}

func TestPlanWritesNothing(t *testing.T) {
	f := newDB(t, basePasswd, baseGroup, "-")
	ids, err := Plan(f)
	if err != nil || ids.Etcd.UID != 102 || ids.ServiceAccountKeyReaders != 107 {
		t.Fatalf("%+v %v", ids, err)
	}
	if p, g := read2(t, f); p != basePasswd || g != baseGroup {
		t.Error("Plan wrote the database")
	}
	if found, err := Lookup(f); found != nil || err != nil {
		t.Errorf("Lookup before Ensure: %+v %v", found, err)
	}
}

func TestEnsureRefusesWhatItDidNotMake(t *testing.T) {
	for _, tc := range []struct {
		name, passwd, group, defs, want string
	}{
		{"user outside the range", basePasswd + "kubeadm-etcd:x:1500:101:::/bin/false\n", baseGroup + "kubeadm-etcd:x:101:kubeadm-etcd\n", "", "UID 1500, outside the system range 100-999"},
		{"user with a shell", basePasswd + "kubeadm-etcd:x:200:101:::/bin/bash\n", baseGroup + "kubeadm-etcd:x:101:kubeadm-etcd\n", "", `shell "/bin/bash"`},
		{"user of another group", basePasswd + "kubeadm-etcd:x:200:104:::/bin/false\n", baseGroup + "kubeadm-etcd:x:101:kubeadm-etcd\n", "", "GID 104, but its group kubeadm-etcd has GID 101"},
		{"group with other members", basePasswd, baseGroup + "kubeadm-sa-key-readers:x:300:kubeadm-kas\n", "", `members "kubeadm-kas", want "kubeadm-kas,kubeadm-kcm"`},
		{"group outside the range", basePasswd, baseGroup + "kubeadm-ks:x:5000:kubeadm-ks\n", "", "GID 5000, outside"},
		{"range full", basePasswd, baseGroup, "SYS_GID_MIN 100\nSYS_GID_MAX 102\n", "no 5 free system GIDs left in 100-102"},
		{"bad login.defs", basePasswd, baseGroup, "SYS_UID_MIN ten\n", `SYS_UID_MIN "ten" is not a number`},
		{"malformed passwd", "root:x:0:0\n", baseGroup, "", "line 1: 4 fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newDB(t, tc.passwd, tc.group, tc.defs)
			_, err := Ensure(context.Background(), f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if p, g := read2(t, f); p != tc.passwd || g != tc.group {
				t.Error("a refused Ensure changed the database")
			}
		})
	}
}

// TestMain doubles as the lock holder of TestEnsureWaitsForTheLock: fcntl
// locks belong to a process, so the test binary runs itself with
// USERS_TEST_LOCK set to hold the lock on a file for a while.
func TestMain(m *testing.M) {
	if path := os.Getenv("USERS_TEST_LOCK"); path != "" {
		f, err := openLocked(context.Background(), path)
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(700 * time.Millisecond)
		f.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestEnsureWaitsForTheLock(t *testing.T) {
	f := newDB(t, basePasswd, baseGroup, "")
	holder := exec.Command(os.Args[0])
	holder.Env = append(os.Environ(), "USERS_TEST_LOCK="+f.Group)
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Wait()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "locked\n" {
		t.Fatalf("the lock holder said %q: %v", line, err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Ensure(short, f); err == nil || !strings.Contains(err.Error(), "another program holds it") {
		t.Errorf("Ensure while the group file is locked: %v", err)
	}
	start := time.Now()
	if _, err := Ensure(context.Background(), f); err != nil {
		t.Fatalf("Ensure once the lock is released: %v", err)
	}
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Errorf("Ensure did not wait for the lock (%v)", waited)
	}
	if _, err := openLocked(context.Background(), filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// owner records what Handover changes.
type owner struct {
	owners  map[string][2]int
	modes   map[string]os.FileMode
	missing map[string]bool
}

func (o *owner) Lchown(path string, uid, gid int) error {
	if o.missing[path] {
		return &fs.PathError{Op: "lchown", Path: path, Err: fs.ErrNotExist}
	}
	o.owners[path] = [2]int{uid, gid}
	return nil
}

func (o *owner) Chmod(path string, mode os.FileMode) error { o.modes[path] = mode; return nil }

func TestHandover(t *testing.T) {
	ids := &manifests.NonRootIDs{Etcd: manifests.UserGroup{UID: 102, GID: 101}, APIServer: manifests.UserGroup{UID: 103, GID: 103},
		ControllerManager: manifests.UserGroup{UID: 104, GID: 105}, Scheduler: manifests.UserGroup{UID: 105, GID: 106}, ServiceAccountKeyReaders: 107}
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "member", "snap"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := &kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{DataDir: data}}}
	p := PathsOf(cfg, "/pki", "/kube")
	o := &owner{owners: map[string][2]int{}, modes: map[string]os.FileMode{}, missing: map[string]bool{"/pki/ca.key": true}}
	for _, c := range []string{constants.Etcd, constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler} {
		if err := Handover(o, c, ids, p); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
	}
	want := map[string][2]int{
		"/pki/sa.key": {0, 107}, "/pki/sa.pub": {103, 103}, "/pki/apiserver.key": {103, 103}, "/pki/apiserver-kubelet-client.key": {103, 103},
		"/pki/front-proxy-client.key": {103, 103}, "/pki/apiserver-etcd-client.key": {103, 103},
		"/kube/controller-manager.conf": {104, 105}, "/kube/scheduler.conf": {105, 106},
		"/pki/etcd/server.key": {102, 101}, "/pki/etcd/peer.key": {102, 101},
		data: {102, 101}, filepath.Join(data, "member"): {102, 101}, filepath.Join(data, "member", "snap"): {102, 101},
	}
	for path, ug := range want {
		if o.owners[path] != ug {
			t.Errorf("%s owned by %v, want %v", path, o.owners[path], ug)
		}
	}
	if len(o.owners) != len(want) {
		t.Errorf("owners %v", o.owners)
	}
	if o.modes["/pki/sa.key"] != 0o640 || o.modes["/kube/scheduler.conf"] != 0o600 || o.modes["/pki/etcd/peer.key"] != 0o600 {
		t.Errorf("modes %v", o.modes)
	}
	o.missing["/kube/scheduler.conf"] = true
	if err := Handover(o, constants.KubeScheduler, ids, p); err == nil || !strings.Contains(err.Error(), "scheduler.conf") {
		t.Errorf("a missing kubeconfig: %v", err)
	}
	external := PathsOf(&kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{External: &kubeadm.ExternalEtcd{}}}, "/pki", "/kube")
	o2 := &owner{owners: map[string][2]int{}, modes: map[string]os.FileMode{}}
	if err := Handover(o2, constants.KubeAPIServer, ids, external); err != nil {
		t.Fatal(err)
	}
	if _, ok := o2.owners["/pki/apiserver-etcd-client.key"]; ok {
		t.Error("with external etcd the API server's etcd client key is the user's to manage")
	}
}
