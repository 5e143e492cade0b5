// Package hostexec runs host commands for the test bench and turns their
// failures into errors that carry the command line and the tail of its output.
package hostexec

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Cmd describes one command to run on the host.
type Cmd struct {
	Name  string
	Args  []string
	Dir   string
	Env   []string // added to the current environment
	Stdin []byte
}

// Run runs name with args and returns its combined output. A failure names
// the command and quotes the last lines of what it printed.
func Run(ctx context.Context, name string, args ...string) (string, error) {
	return Cmd{Name: name, Args: args}.Run(ctx)
}

// Run executes c and returns its combined output.
func (c Cmd) Run(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", c.Name, strings.Join(c.Args, " "), err, Tail(out.String(), 15))
	}
	return out.String(), nil
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
