package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompletion(t *testing.T) {
	cases := []struct {
		shell, marker string
		syntaxCheck   []string // a shell command that checks the script's syntax, if installed
	}{
		{"bash", "# bash completion V2 for kubeadm", []string{"bash", "-n"}},
		{"zsh", "#compdef kubeadm", []string{"zsh", "-n"}},
		{"fish", "# fish completion for kubeadm", []string{"fish", "--no-execute"}},
	}
	for _, c := range cases {
		t.Run(c.shell, func(t *testing.T) {
			code, out, errOut := runArgs("completion", c.shell)
			if code != 0 || errOut != "" || !strings.HasPrefix(out, c.marker) {
				t.Fatalf("exit %d, stderr %q, output starts %.60q", code, errOut, out)
			}
			bin, err := exec.LookPath(c.syntaxCheck[0])
			if err != nil {
				t.Logf("%s not installed: syntax not checked", c.syntaxCheck[0])
				return
			}
			script := filepath.Join(t.TempDir(), "kubeadm."+c.shell)
			if err := os.WriteFile(script, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command(bin, append(c.syntaxCheck[1:], script)...).CombinedOutput(); err != nil {
				t.Errorf("%s rejects the script: %v\n%s", c.shell, err, b)
			}
		})
	}

	// The shells are offered as completions of the argument.
	code, out, _ := runArgs("__complete", "completion", "")
	for _, sh := range shellNames {
		if code != 0 || !strings.Contains(out, sh+"\n") {
			t.Errorf("completion of `kubeadm completion ` lacks %s: %q", sh, out)
		}
	}

	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		code, out, errOut := runArgs(args...)
		if code == 0 || out != "" || !strings.Contains(errOut, "bash, zsh, fish") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
