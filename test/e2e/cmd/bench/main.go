// Command bench is the test bench's CLI: it builds the artifacts and images
// the e2e tier runs, and creates, operates and deletes sandbox clusters of
// real kubelets and containerd on this machine. Run as root.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/supervisor"
)

func main() {
	if filepath.Base(os.Args[0]) == supervisor.OCIRuntimeName {
		// CRI-O's runtime on a CRI-O node: runc with oom_score_adj clamped.
		err := supervisor.ClampedRuntime(os.Args[1:])
		fmt.Fprintln(os.Stderr, supervisor.OCIRuntimeName+":", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// logger returns a printf-style logger that writes a line per call.
func logger(w io.Writer) func(string, ...any) {
	return func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
}
