// Package clihelp reads a cobra command line's --help output: its
// subcommands and its own flags with their shorthands and defaults. The
// command-line parity test parses upstream kubeadm's help tree (captured
// into golden data) and this kubeadm's with the same code, so that both are
// compared alike.
package clihelp

import (
	"bufio"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Flag is one flag of a command's "Flags:" section.
type Flag struct {
	Name      string // without dashes
	Shorthand string
	Default   string // as the help prints it, e.g. `"text"`, `6443`, `[]`; "" when none is printed
}

// Help is what one --help output says of its command.
type Help struct {
	Commands []string // the "Available Commands:" names
	Flags    []Flag   // the "Flags:" section, without --help
}

var (
	flagLine    = regexp.MustCompile(`^\s+(?:-(\S), )?--([A-Za-z0-9][\w-]*)(?: (\S+))?(?:\s{2,}(.*))?$`)
	commandLine = regexp.MustCompile(`^\s{2}(\S+)\s{2,}`)
	defaultText = regexp.MustCompile(`\(default (.*)\)\s*$`)
)

// Parse reads one --help output.
func Parse(text string) Help {
	var h Help
	section := ""
	var cur *Flag
	var usage strings.Builder
	flush := func() {
		if cur != nil {
			if m := defaultText.FindStringSubmatch(strings.TrimSpace(usage.String())); m != nil {
				cur.Default = m[1]
			}
			if cur.Name != "help" {
				h.Flags = append(h.Flags, *cur)
			}
			cur = nil
			usage.Reset()
		}
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line != "" && !strings.HasPrefix(line, " ") {
			flush()
			section = strings.TrimSuffix(strings.TrimSpace(line), ":")
			continue
		}
		switch section {
		case "Available Commands":
			if m := commandLine.FindStringSubmatch(line); m != nil && m[1] != "help" && m[1] != "completion" {
				h.Commands = append(h.Commands, m[1])
			}
		case "Flags":
			if m := flagLine.FindStringSubmatch(line); m != nil {
				flush()
				cur = &Flag{Name: m[2], Shorthand: m[1]}
				usage.WriteString(m[4])
			} else if cur != nil {
				usage.WriteString(" " + strings.TrimSpace(line))
			}
		}
	}
	flush()
	sort.Strings(h.Commands)
	sort.Slice(h.Flags, func(i, j int) bool { return h.Flags[i].Name < h.Flags[j].Name })
	return h
}

// Walk reads the whole tree below root ("kubeadm"), asking help for each
// command path's --help output.
func Walk(root string, help func(path []string) (string, error)) (map[string]Help, error) {
	tree := map[string]Help{}
	var walk func(path []string) error
	walk = func(path []string) error {
		text, err := help(path)
		if err != nil {
			return fmt.Errorf("%s --help: %w", strings.Join(append([]string{root}, path...), " "), err)
		}
		h := Parse(text)
		tree[strings.Join(append([]string{root}, path...), " ")] = h
		for _, c := range h.Commands {
			if err := walk(append(append([]string{}, path...), c)); err != nil {
				return err
			}
		}
		return nil
	}
	return tree, walk(nil)
}

// Format writes a tree as golden text: a line per command, then a line per
// flag ("<command>\t--name\t-s\tdefault").
func Format(tree map[string]Help) string {
	var paths []string
	for p := range tree {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "%s\n", p)
		for _, f := range tree[p].Flags {
			fmt.Fprintf(&b, "%s\t--%s\t-%s\t%s\n", p, f.Name, f.Shorthand, f.Default)
		}
	}
	return b.String()
}

// ParseGolden reads Format's text back.
func ParseGolden(text string) map[string]Help {
	tree := map[string]Help{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		parts := strings.Split(line, "\t")
		if len(parts) == 1 {
			if _, ok := tree[line]; !ok {
				tree[line] = Help{}
			}
			continue
		}
		if len(parts) != 4 {
			continue
		}
		h := tree[parts[0]]
		h.Flags = append(h.Flags, Flag{Name: strings.TrimPrefix(parts[1], "--"), Shorthand: strings.TrimPrefix(parts[2], "-"), Default: parts[3]})
		tree[parts[0]] = h
	}
	return tree
}
