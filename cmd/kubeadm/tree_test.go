package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// commandPaths returns the argument lists naming every command of the
// tree, the root ([]) first.
func commandPaths() [][]string {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	walk(newRoot(strings.NewReader(""), io.Discard, io.Discard), nil)
	return paths
}

// TestEveryCommandHasHelp checks that every command has a Short, and that
// `kubeadm <command> --help` exits 0 with usage on stdout and nothing on
// stderr.
func TestEveryCommandHasHelp(t *testing.T) {
	root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
	for _, path := range commandPaths() {
		t.Run("kubeadm "+strings.Join(path, " "), func(t *testing.T) {
			c, _, err := root.Find(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(c.Short) == "" {
				t.Error("no Short description")
			}
			code, out, errOut := runArgs(append(path, "--help")...)
			if code != 0 || errOut != "" || !strings.Contains(out, "Usage:") {
				t.Errorf("--help: exit %d, stderr %q, stdout %.200q", code, errOut, out)
			}
		})
	}
}

// TestUnknownFlagIsOneLine checks that an unknown flag fails every command
// with exactly one line on stderr and nothing on stdout.
func TestUnknownFlagIsOneLine(t *testing.T) {
	for _, path := range commandPaths() {
		t.Run("kubeadm "+strings.Join(path, " "), func(t *testing.T) {
			code, out, errOut := runArgs(append(path, "--no-such-flag")...)
			if code == 0 || out != "" {
				t.Fatalf("exit %d, stdout %.200q", code, out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") || !strings.Contains(errOut, "unknown flag: --no-such-flag") {
				t.Errorf("stderr is not one line naming the flag: %q", errOut)
			}
		})
	}
}
