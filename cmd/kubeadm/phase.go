package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/initflow"
)

// newPhaseCommand builds `<cmd> phase <name> [<sub>]` from the phase table.
func newPhaseCommand(s streams, f *initFlags, phases []initflow.Phase, run func(*cobra.Command, string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "phase",
		Short: "Use this command to invoke single phase of the init workflow",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("name a phase: %s", strings.Join(phaseNames(phases, ""), ", "))
		},
	}
	for _, p := range phases {
		cmd.AddCommand(phaseSubcommand(f, p, p.Name, run))
	}
	return cmd
}

func phaseSubcommand(f *initFlags, p initflow.Phase, path string, run func(*cobra.Command, string) error) *cobra.Command {
	c := &cobra.Command{
		Use:   p.Name,
		Short: p.Short,
		Long:  p.Long,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return run(cmd, path) },
	}
	f.register(c.Flags())
	if len(p.Children) > 0 {
		all := &cobra.Command{
			Use:   "all",
			Short: "Run all the sub-phases of " + p.Name,
			Args:  cobra.NoArgs,
			RunE:  func(cmd *cobra.Command, _ []string) error { return run(cmd, path) },
		}
		f.register(all.Flags())
		c.AddCommand(all)
		for _, child := range p.Children {
			c.AddCommand(phaseSubcommand(f, child, path+"/"+child.Name, run))
		}
	}
	return c
}

func phaseNames(phases []initflow.Phase, prefix string) []string {
	var names []string
	for _, p := range phases {
		names = append(names, prefix+p.Name)
		names = append(names, phaseNames(p.Children, prefix+p.Name+"/")...)
	}
	return names
}

// phaseList renders the phase table for --help, as upstream does.
func phaseList(phases []initflow.Phase) string {
	var b strings.Builder
	b.WriteString("```\n")
	var walk func(ps []initflow.Phase, indent string)
	walk = func(ps []initflow.Phase, indent string) {
		for _, p := range ps {
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
