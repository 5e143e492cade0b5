package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kubeadm-cleanroom/kubeadm/app/config"
)

// globalFlags are the flags upstream kubeadm accepts on every command.
type globalFlags struct {
	// verbosity is -v/--v: at 5 and above phases also print what they read
	// and write, and every phase's start.
	verbosity int
	// vmodule is accepted as upstream's klog flag; this tool's output has
	// no per-file levels, so only --v counts.
	vmodule string
	// rootfs makes the command chroot into another root first.
	rootfs string
}

// register adds the global flags to the root command's persistent flags.
func (g *globalFlags) register(fs *pflag.FlagSet) {
	fs.IntVarP(&g.verbosity, "v", "v", 0, "number for the log level verbosity")
	fs.StringVar(&g.vmodule, "vmodule", "", "comma-separated list of pattern=N settings for file-filtered logging")
	fs.StringVar(&g.rootfs, "rootfs", "", "The path to the 'real' host root filesystem. This will cause kubeadm to chroot into the provided path.")
	// Upstream normalizes its global flags' word separators ("_" as "-").
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-"))
	})
}

// validate refuses a malformed global flag before anything runs.
func (g *globalFlags) validate() error {
	if g.verbosity < 0 {
		return fmt.Errorf("--v: %d is not allowed: the verbosity is a number from 0 up", g.verbosity)
	}
	if g.vmodule != "" {
		for _, kv := range strings.Split(g.vmodule, ",") {
			pattern, level, ok := strings.Cut(kv, "=")
			if !ok || pattern == "" || strings.Trim(level, "0123456789") != "" || level == "" {
				return fmt.Errorf("--vmodule: %q is not pattern=N (a file pattern and a number)", kv)
			}
		}
	}
	return nil
}

// chroot enters --rootfs, as upstream does before running any command.
func (g *globalFlags) chroot() error {
	if g.rootfs == "" {
		return nil
	}
	if fi, err := os.Stat(g.rootfs); err != nil || !fi.IsDir() {
		return fmt.Errorf("--rootfs: %q is not a directory", g.rootfs)
	}
	if err := syscall.Chroot(g.rootfs); err != nil {
		return fmt.Errorf("--rootfs: chroot to %s: %w", g.rootfs, err)
	}
	if err := os.Chdir("/"); err != nil {
		return fmt.Errorf("--rootfs: chdir to / in %s: %w", g.rootfs, err)
	}
	return nil
}

// preRun checks the global flags and enters --rootfs before any command.
func (g *globalFlags) preRun(*cobra.Command, []string) error {
	if err := g.validate(); err != nil {
		return err
	}
	return g.chroot()
}

// localHost answers the configuration loaders' questions about this
// machine (host name, default route, container runtime); tests replace it.
var localHost config.Host = config.LocalHost{}
