package main

import (
	"strings"
	"testing"
)

// TestGlobalFlagsAsCallersPassThem accepts the verbosity the way kind
// (--v=6) and Cluster API (--v 5) pass it, on any command.
func TestGlobalFlagsAsCallersPassThem(t *testing.T) {
	for _, args := range [][]string{
		{"version", "--v=6"},
		{"--v", "5", "version", "-o", "short"},
		{"version", "-v", "2"},
		{"version", "--vmodule=discovery*=5,kubelet=2"},
		{"config", "print", "join-defaults", "--v=10"},
	} {
		code, out, errOut := runArgs(args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
		if !strings.Contains(out, "v1.37") && !strings.Contains(out, "JoinConfiguration") {
			t.Errorf("%v: unexpected output %q", args, out)
		}
	}
}

func TestBadGlobalFlags(t *testing.T) {
	checkFailures(t, []failureCase{
		{[]string{"version", "--v=-1"}, []string{"--v", "-1", "from 0 up"}},
		{[]string{"version", "--vmodule=nonsense"}, []string{"--vmodule", "pattern=N"}},
		{[]string{"version", "--rootfs", "/nonexistent/root"}, []string{"--rootfs", "not a directory"}},
		{[]string{"version", "--v=high"}, []string{"--v"}},
	})
}

// TestVerbosityFiveShowsFiles: at -v 5 a phase names each file it writes;
// below it does not.
func TestVerbosityFiveShowsFiles(t *testing.T) {
	for _, c := range []struct {
		v    string
		want bool
	}{{"--v=5", true}, {"--v=4", false}} {
		dir := t.TempDir()
		t.Setenv("KUBEADM_INIT_DRYRUN_DIR", dir+"/dryrun")
		code, out, errOut := runArgs("init", "phase", "certs", "ca", "--dry-run", "--cert-dir", dir+"/pki", c.v)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.v, code, errOut)
		}
		if got := strings.Contains(out, "wrote "+dir+"/dryrun/pki/ca.crt"); got != c.want {
			t.Errorf("%s: file shown %v, want %v:\n%s", c.v, got, c.want, out)
		}
	}
}
