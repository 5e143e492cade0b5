package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// completionShells are the shells `kubeadm completion` writes code for,
// each with cobra's generator.
var completionShells = map[string]func(root *cobra.Command, w io.Writer) error{
	"bash": func(root *cobra.Command, w io.Writer) error { return root.GenBashCompletionV2(w, true) },
	"zsh":  func(root *cobra.Command, w io.Writer) error { return root.GenZshCompletion(w) },
	"fish": func(root *cobra.Command, w io.Writer) error { return root.GenFishCompletion(w, true) },
}

// shellNames lists the supported shells in a fixed order for help and errors.
var shellNames = []string{"bash", "zsh", "fish"}

// newCompletion builds `kubeadm completion SHELL`.
func newCompletion(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "completion SHELL",
		Short: "Output shell completion code for the specified shell (bash, zsh or fish)",
		Long: `Write the code that makes SHELL complete kubeadm's commands, flags and
arguments. Load it in the running shell, or save it where the shell loads
completions from.

bash needs the bash-completion package (version 2) of your distribution, or
on macOS "brew install bash-completion@2". zsh needs version 5.2 or newer.`,
		Example: `  # bash: load into the current shell
  source <(kubeadm completion bash)

  # bash: load in every new shell
  kubeadm completion bash > ~/.kube/kubeadm_completion.bash.inc
  printf "\nsource '$HOME/.kube/kubeadm_completion.bash.inc'\n" >> ~/.bashrc

  # zsh: load into the current shell
  source <(kubeadm completion zsh)

  # fish: load in every new shell
  kubeadm completion fish > ~/.config/fish/completions/kubeadm.fish`,
		ValidArgs:             shellNames,
		DisableFlagsInUseLine: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("name one shell: %s", strings.Join(shellNames, ", "))
			}
			if _, ok := completionShells[args[0]]; !ok {
				return fmt.Errorf("unsupported shell %q (allowed: %s)", args[0], strings.Join(shellNames, ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return completionShells[args[0]](cmd.Root(), s.out)
		},
	}
}
