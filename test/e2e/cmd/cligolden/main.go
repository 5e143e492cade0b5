// Command cligolden captures upstream kubeadm's command-line tree (every
// command and its own flags with their defaults, from --help, which writes
// nothing) as the golden data of the command-line parity test:
//
//	go run ./test/e2e/cmd/cligolden /var/cache/kubeadm-bench/kubernetes/v1.37.1/kubeadm > cmd/kubeadm/testdata/upstream-cli-v1.37.1.txt
package main

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/kubeadm-cleanroom/kubeadm/internal/clihelp"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cligolden <upstream kubeadm binary>")
		os.Exit(2)
	}
	bin := os.Args[1]
	tree, err := clihelp.Walk("kubeadm", func(path []string) (string, error) {
		out, err := exec.Command(bin, append(path, "--help")...).Output()
		return string(out), err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cligolden:", err)
		os.Exit(1)
	}
	fmt.Print(clihelp.Format(tree))
}
