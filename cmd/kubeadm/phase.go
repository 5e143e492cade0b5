package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kubeadm-cleanroom/kubeadm/app/initflow"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// newPhaseCommand builds `init phase <name> [<sub>]` from the phase table.
func newPhaseCommand(s streams, f *initFlags, phases []initflow.Phase, run func(*cobra.Command, string) error) *cobra.Command {
	return newPhaseCommandFor(phases, "init", f.register, func(cmd *cobra.Command, path string, _ []string) error { return run(cmd, path) })
}

// newPhaseCommandFor builds `<command> phase <name> [<sub>]` from any phase
// table; register adds the command's flags to each subcommand.
func newPhaseCommandFor[T any](phases []workflow.Phase[T], command string, register func(*pflag.FlagSet), run func(*cobra.Command, string, []string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "phase",
		Short: "Use this command to invoke single phase of the " + command + " workflow",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("name a phase: %s", strings.Join(phaseNames(phases, ""), ", "))
		},
	}
	args := cobra.NoArgs
	if command == "join" {
		args = cobra.MaximumNArgs(1)
	}
	for _, p := range phases {
		cmd.AddCommand(phaseSubcommand(p, p.Name, args, register, run))
	}
	return cmd
}

func phaseSubcommand[T any](p workflow.Phase[T], path string, args cobra.PositionalArgs, register func(*pflag.FlagSet), run func(*cobra.Command, string, []string) error) *cobra.Command {
	c := &cobra.Command{
		Use:     p.Name,
		Aliases: p.Aliases,
		Hidden:  p.Hidden,
		Short:   p.Short,
		Long:    p.Long,
		Example: p.Example,
		Args:    args,
		RunE:    func(cmd *cobra.Command, a []string) error { return run(cmd, path, a) },
	}
	register(c.Flags())
	if len(p.Children) > 0 {
		all := &cobra.Command{
			Use:   "all",
			Short: "Run all the sub-phases of " + p.Name,
			Args:  args,
			RunE:  func(cmd *cobra.Command, a []string) error { return run(cmd, path, a) },
		}
		register(all.Flags())
		c.AddCommand(all)
		for _, child := range p.Children {
			c.AddCommand(phaseSubcommand(child, path+"/"+child.Name, args, register, run))
		}
	}
	return c
}

func phaseNames[T any](phases []workflow.Phase[T], prefix string) []string {
	var names []string
	for _, p := range phases {
		names = append(names, prefix+p.Name)
		names = append(names, phaseNames(p.Children, prefix+p.Name+"/")...)
	}
	return names
}

// phaseList renders the phase table for --help, as upstream does.
func phaseList[T any](phases []workflow.Phase[T]) string {
	var b strings.Builder
	b.WriteString("```\n")
	var walk func(ps []workflow.Phase[T], indent string)
	walk = func(ps []workflow.Phase[T], indent string) {
		for _, p := range ps {
			if p.Hidden {
				continue
			}
			name := indent + p.Name
			if indent != "" {
				name = indent + "/" + p.Name
			}
			fmt.Fprintf(&b, "%-40s %s\n", name, p.Short)
			walk(p.Children, strings.Repeat(" ", len(indent)+2))
		}
	}
	walk(phases, "")
	b.WriteString("```\n")
	return b.String()
}
