package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// upCommand brings up a cluster with the project's kubeadm: a sandbox node
// running `kubeadm init`, then prints the nodes and Pods.
func upCommand(g *globals) *cobra.Command {
	var kubeadmBin, version string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create a sandbox node, run this project's kubeadm init on it, and show the cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			self, err := os.Executable()
			if err != nil {
				return err
			}
			start := time.Now()
			cache := &artifacts.Cache{Root: artifacts.CacheDir(), Log: logger(g.out)}
			tools, err := images.EnsureTools(ctx, cache, self)
			if err != nil {
				return err
			}
			c, err := sandbox.Create(ctx, sandbox.CreateOptions{
				Name: g.cluster, Nodes: []sandbox.NodeOptions{{Name: "cp1", Version: version}}, BenchBinary: self, Log: logger(g.out),
				ExtraImages: []string{tools},
			})
			if err != nil {
				return err
			}
			n := c.Nodes[0]
			abs, err := filepath.Abs(kubeadmBin)
			if err != nil {
				return err
			}
			if err := n.InstallBinary(abs, "kubeadm"); err != nil {
				return err
			}
			if err := n.WriteFile(ctx, sandbox.KubeadmConfigPath, []byte(sandbox.InitConfig(version, "abcdef.0123456789abcdef", "")), 0o600); err != nil {
				return err
			}
			if err := n.Exec(ctx, nil, g.out, g.errOut, "kubeadm", "init", "--config", sandbox.KubeadmConfigPath, "--ignore-preflight-errors=SystemVerification"); err != nil {
				return err
			}
			fmt.Fprintln(g.out, "waiting for the node and kube-system Pods to be Ready")
			if err := n.Exec(ctx, nil, g.out, g.errOut, "kubectl", "wait", "--for=condition=Ready", "node/cp1", "--timeout=180s"); err != nil {
				return err
			}
			if err := n.Exec(ctx, nil, g.out, g.errOut, "kubectl", "-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=180s"); err != nil {
				return err
			}
			if err := n.Exec(ctx, nil, g.out, g.errOut, "kubectl", "get", "nodes,pods", "-A", "-o", "wide"); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "cluster %q up in %s; use: bin/bench exec cp1 -- kubectl get pods -A\n", g.cluster, time.Since(start).Round(time.Second))
			return nil
		},
	}
	cmd.Flags().StringVar(&kubeadmBin, "kubeadm", "bin/kubeadm", "the kubeadm binary to install on the node")
	cmd.Flags().StringVar(&version, "version", artifacts.DefaultVersion, "Kubernetes version")
	return cmd
}
