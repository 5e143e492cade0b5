package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/spf13/cobra"
)

// Rusage is what `bench rusage` reports of the command it ran.
type Rusage struct {
	ExitCode  int   `json:"exitCode"`
	UserNs    int64 `json:"userNs"`
	SystemNs  int64 `json:"systemNs"`
	MaxRSSKiB int64 `json:"maxRSSKiB"`
}

// rusageCommand runs a command and writes its rusage as JSON to file
// descriptor 3. A process started by the Go test binary inherits, through
// vfork and exec, the test binary's resident high-water mark, so the
// benchmark's own wait4 would report the test's memory, not the tool's;
// this small process starts the tool instead, and the tool's peak is its
// own (or this process's, some 10 MiB, if the tool's were smaller).
func rusageCommand(_ *globals) *cobra.Command {
	return &cobra.Command{
		Use:                "rusage -- command [args...]",
		Short:              "Run a command and write its CPU time and peak RSS as JSON to fd 3",
		Hidden:             true,
		Args:               cobra.MinimumNArgs(1),
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && args[0] == "--" {
				args = args[1:]
			}
			if len(args) == 0 {
				return fmt.Errorf("rusage: no command")
			}
			report := os.NewFile(3, "rusage")
			if report == nil {
				return fmt.Errorf("rusage: file descriptor 3 is not open")
			}
			c := exec.Command(args[0], args[1:]...)
			c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
			runErr := c.Run()
			var exit *exec.ExitError
			if runErr != nil && !errors.As(runErr, &exit) {
				return runErr
			}
			ru := c.ProcessState.SysUsage().(*syscall.Rusage)
			r := Rusage{ExitCode: c.ProcessState.ExitCode(), UserNs: ru.Utime.Nano(), SystemNs: ru.Stime.Nano(), MaxRSSKiB: ru.Maxrss}
			if err := json.NewEncoder(report).Encode(r); err != nil {
				return fmt.Errorf("rusage: write the report: %w", err)
			}
			if r.ExitCode != 0 {
				os.Exit(r.ExitCode)
			}
			return nil
		},
	}
}
