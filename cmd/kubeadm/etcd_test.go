package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEtcdCommandRefusals: each bad flag or argument of the etcd commands
// exits non-zero with one line naming it, before the node is looked at.
func TestEtcdCommandRefusals(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("not-hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"etcd", "snapshot", "save", "--keep", "-1"}, "--keep -1"},
		{[]string{"etcd", "snapshot", "save", "--encryption-key", "abc"}, "--encryption-key: the key must be 64 hexadecimal characters"},
		{[]string{"etcd", "snapshot", "save", "--encryption-key-file", keyFile}, "--encryption-key-file " + keyFile + ": the key must be"},
		{[]string{"etcd", "snapshot", "save", "--encryption-key-file", "/nonexistent/key"}, "--encryption-key-file: open /nonexistent/key"},
		{[]string{"etcd", "snapshot", "save", "--encryption-key", good, "--encryption-key-file", keyFile}, "mutually exclusive"},
		{[]string{"etcd", "snapshot", "list", "-o", "xml"}, `invalid --output "xml"`},
		{[]string{"etcd", "member", "list", "-o", "xml"}, `invalid --output "xml"`},
		{[]string{"etcd", "member", "remove"}, "give one member to remove"},
		{[]string{"etcd", "member", "remove", "a", "b"}, "give one member to remove"},
		{[]string{"etcd", "restore", "--encryption-key", good}, "give the backup with --from"},
		{[]string{"etcd", "restore", "--from", "x", "--encryption-key", "zz"}, "--encryption-key: the key must be"},
		{[]string{"etcd", "restore", "extra"}, "unknown command"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runArgs(tc.args...)
			if code == 0 || out != "" {
				t.Fatalf("exit %d, stdout %q", code, out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q, want one line containing %q", errOut, tc.want)
			}
		})
	}
}
