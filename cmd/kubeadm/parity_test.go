package main

import (
	"bytes"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/internal/clihelp"
)

// cliDifferences are the deliberate differences from upstream kubeadm
// v1.37.1's command line, each with its reason. A key is a command path,
// or a command path and a flag ("kubeadm init --x").
var cliDifferences = map[string]string{}

// ourHelp runs this kubeadm's --help for a command path in-process.
func ourHelp(path []string) (string, error) {
	var out bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &out)
	root.SetArgs(append(append([]string{}, path...), "--help"))
	err := root.Execute()
	return out.String(), err
}

// TestCommandLineMatchesUpstream compares this kubeadm's command tree with
// upstream v1.37.1's (testdata/upstream-cli-v1.37.1.txt, captured from the
// bench-built upstream binary by test/e2e/cmd/cligolden): every upstream
// command and flag must exist here, with upstream's shorthand and default,
// unless cliDifferences gives the reason it does not.
func TestCommandLineMatchesUpstream(t *testing.T) {
	b, err := os.ReadFile("testdata/upstream-cli-v1.37.1.txt")
	if err != nil {
		t.Fatal(err)
	}
	upstream := clihelp.ParseGolden(string(b))
	ours, err := clihelp.Walk("kubeadm", ourHelp)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	used := map[string]bool{}
	allowed := func(key string) bool {
		if _, ok := cliDifferences[key]; ok {
			used[key] = true
			return true
		}
		return false
	}
	for path, up := range upstream {
		mine, ok := ours[path]
		if !ok {
			if !allowed(path) {
				problems = append(problems, "missing command: "+path)
			}
			continue
		}
		flags := map[string]clihelp.Flag{}
		for _, f := range mine.Flags {
			flags[f.Name] = f
		}
		for _, f := range up.Flags {
			key := path + " --" + f.Name
			got, ok := flags[f.Name]
			switch {
			case !ok:
				if !allowed(key) {
					problems = append(problems, "missing flag: "+key)
				}
			case got.Shorthand != f.Shorthand:
				if !allowed(key) {
					problems = append(problems, "shorthand of "+key+": -"+got.Shorthand+", upstream -"+f.Shorthand)
				}
			case got.Default != f.Default:
				if !allowed(key) {
					problems = append(problems, "default of "+key+": "+got.Default+", upstream "+f.Default)
				}
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	for key := range cliDifferences {
		if !used[key] {
			t.Errorf("cliDifferences lists %q, which is no longer a difference: remove it", key)
		}
	}
}
