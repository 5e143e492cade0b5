package main

import (
	"io"

	"github.com/spf13/cobra"
)

// streams are the command's standard streams, injected for tests, and
// the global flags every command reads (nil in tests that build one
// command alone).
type streams struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	global *globalFlags
}

// verbosity is the -v level, 0 without global flags.
func (s streams) verbosity() int {
	if s.global == nil {
		return 0
	}
	return s.global.verbosity
}

func newRoot(in io.Reader, out, errOut io.Writer) *cobra.Command {
	g := &globalFlags{}
	s := streams{in, out, errOut, g}
	root := &cobra.Command{
		Use:   "kubeadm",
		Short: "kubeadm: easily bootstrap a secure Kubernetes cluster",
		Long: `kubeadm bootstraps a minimum viable, secure Kubernetes cluster.

Example:

    On the first control-plane machine:
        control-plane# kubeadm init

    On each worker node:
        worker# kubeadm join <arguments returned from kubeadm init>

This kubeadm is a clean-room implementation compatible with upstream
kubeadm's configuration (kubeadm.k8s.io/v1beta4), flags, files and API
objects. It never looks anything up on the network, and an init that
stopped part-way continues when run again.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	g.register(root.PersistentFlags())
	root.PersistentPreRunE = g.preRun
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errOut)
	root.AddCommand(newInit(s), newJoin(s), newToken(s), newCerts(s), newVersion(s), newConfig(s))
	root.AddCommand(newUpgrade(s))
	root.AddCommand(newReset(s))
	root.AddCommand(newCompletion(s))
	root.AddCommand(newKubeconfig(s))
	root.AddCommand(newEtcd(s))
	return root
}
