// Command kubeadm bootstraps Kubernetes clusters: init, join, upgrade,
// reset and the day-2 commands, compatible with upstream kubeadm's
// configuration API, flags, files and API objects. This package only wires
// the command line to app/; every command's logic lives there.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code: 0, or 1 with a
// one-line error on stderr.
func run(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := newRoot(in, out, errOut)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(errOut, "error:", err)
		return 1
	}
	return 0
}
