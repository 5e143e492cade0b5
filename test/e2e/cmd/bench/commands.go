package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/supervisor"
)

type globals struct {
	cluster string
	out     io.Writer
	errOut  io.Writer
}

func newRootCommand(out, errOut io.Writer) *cobra.Command {
	g := &globals{out: out, errOut: errOut}
	root := &cobra.Command{
		Use:           "bench",
		Short:         "Build artifacts and run sandbox Kubernetes nodes on this machine",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.PersistentFlags().StringVar(&g.cluster, "name", "bench", "cluster name")
	root.AddCommand(
		artifactsCommand(g), createCommand(g), addNodeCommand(g), execCommand(g),
		nodeOpCommand(g, "stop", "Kill every process of a node, as a power cut would", func(ctx context.Context, n *sandbox.Node) error { return n.Stop(ctx) }),
		nodeOpCommand(g, "start", "Boot a stopped node again", func(ctx context.Context, n *sandbox.Node) error { return n.Start(ctx) }),
		nodeOpCommand(g, "cut", "Disconnect a node from the network", func(ctx context.Context, n *sandbox.Node) error { return n.CutNetwork(ctx) }),
		nodeOpCommand(g, "heal", "Reconnect a node cut from the network", func(ctx context.Context, n *sandbox.Node) error { return n.HealNetwork(ctx) }),
		nodeOpCommand(g, "restart-kubelet", "Restart a node's kubelet, as systemctl restart kubelet would", func(_ context.Context, n *sandbox.Node) error { return n.RestartKubelet() }),
		swapKubeletCommand(g), lbCommand(g), logsCommand(g), statusCommand(g), deleteCommand(g), cleanCommand(g), superviseCommand(g), httpGetCommand(g), dnsCheckCommand(g), serveCommand(g), probeCommand(g), upCommand(g), rusageCommand(g),
	)
	return root
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("no go.mod above %s: run the bench from the repository", dir)
}

func artifactsCommand(g *globals) *cobra.Command {
	var versions []string
	var crio bool
	cmd := &cobra.Command{
		Use:   "artifacts",
		Short: "Build (or reuse) every binary and image tarball the bench needs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root, err := moduleRoot()
			if err != nil {
				return err
			}
			cache := &artifacts.Cache{Root: artifacts.CacheDir(), Log: logger(g.out)}
			start := time.Now()
			if _, err := cache.EnsureAll(cmd.Context(), root, versions); err != nil {
				return err
			}
			if crio {
				if err := cache.EnsureCRIO(cmd.Context()); err != nil {
					return err
				}
				fmt.Fprintf(g.out, "CRI-O %s: %s\n", artifacts.CRIOVersion, cache.CRIODir())
			}
			for _, v := range versions {
				r, _ := artifacts.Lookup(v)
				path, err := images.EnsureRelease(cmd.Context(), cache, r)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.out, "images of %s: %s\n", v, path)
			}
			fmt.Fprintf(g.out, "artifacts ready in %s (cache %s)\n", time.Since(start).Round(100*time.Millisecond), cache.Root)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&versions, "versions", artifacts.KnownVersions(), "Kubernetes versions to build")
	cmd.Flags().BoolVar(&crio, "crio", false, "also build CRI-O (crio, pinns and the image importer) for CRI-O nodes")
	return cmd
}

// parseNodes turns "name[:version[:runtime]]" arguments into node options.
func parseNodes(specs []string) []sandbox.NodeOptions {
	var nodes []sandbox.NodeOptions
	for _, s := range specs {
		name, rest, _ := strings.Cut(s, ":")
		version, runtime, _ := strings.Cut(rest, ":")
		nodes = append(nodes, sandbox.NodeOptions{Name: name, Version: version, Runtime: runtime})
	}
	return nodes
}

func createCommand(g *globals) *cobra.Command {
	var nodes, versions, lbBackends []string
	var lbPort int
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a cluster of sandbox nodes (no Kubernetes on them yet: that is the bootstrapper's job)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			c, err := sandbox.Create(cmd.Context(), sandbox.CreateOptions{
				Name: g.cluster, Nodes: parseNodes(nodes), Versions: versions, BenchBinary: self, Log: logger(g.out),
			})
			if err != nil {
				return err
			}
			if len(lbBackends) > 0 {
				if err := c.StartLB(cmd.Context(), lbPort, lbBackends); err != nil {
					return err
				}
				fmt.Fprintf(g.out, "load balancer at %s\n", c.LB.Endpoint())
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&nodes, "node", []string{"node1"}, "node as name[:kubernetes-version[:runtime]] (runtime containerd, crio or containerd+crio); repeat for more")
	cmd.Flags().StringSliceVar(&versions, "versions", nil, "Kubernetes versions whose images every node gets (default: the nodes' versions)")
	cmd.Flags().StringSliceVar(&lbBackends, "lb-backends", nil, "nodes behind a host haproxy (controlPlaneEndpoint)")
	cmd.Flags().IntVar(&lbPort, "lb-port", 6443, "port of the host haproxy")
	return cmd
}

func addNodeCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "add-node NAME[:VERSION]",
		Short: "Add a node to a cluster",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sandbox.Load(g.cluster)
			if err != nil {
				return err
			}
			c.Log = logger(g.out)
			_, err = c.AddNode(cmd.Context(), parseNodes(args)[0])
			return err
		},
	}
}

func loadNode(g *globals, name string) (*sandbox.Node, error) {
	c, err := sandbox.Load(g.cluster)
	if err != nil {
		return nil, err
	}
	c.Log = logger(g.out)
	return c.Node(name)
}

func execCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exec NODE -- COMMAND [ARGS...]",
		Short: "Run a command inside a node",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := loadNode(g, args[0])
			if err != nil {
				return err
			}
			c, err := n.Command(cmd.Context(), args[1:]...)
			if err != nil {
				return err
			}
			c.Stdin, c.Stdout, c.Stderr = os.Stdin, g.out, g.errOut
			if err := c.Run(); err != nil {
				if ee, ok := err.(interface{ ExitCode() int }); ok && ee.ExitCode() > 0 {
					os.Exit(ee.ExitCode())
				}
				return err
			}
			return nil
		},
	}
}

func nodeOpCommand(g *globals, use, short string, op func(context.Context, *sandbox.Node) error) *cobra.Command {
	return &cobra.Command{
		Use:   use + " NODE",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := loadNode(g, args[0])
			if err != nil {
				return err
			}
			return op(cmd.Context(), n)
		},
	}
}

func swapKubeletCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "swap-kubelet NODE VERSION",
		Short: "Replace a node's kubelet by another version's and restart it, as a package upgrade would",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := loadNode(g, args[0])
			if err != nil {
				return err
			}
			return n.SwapKubelet(cmd.Context(), args[1])
		},
	}
}

func lbCommand(g *globals) *cobra.Command {
	var port int
	cmd := &cobra.Command{
		Use:   "lb NODE...",
		Short: "(Re)start the host haproxy in front of the API servers of the given nodes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sandbox.Load(g.cluster)
			if err != nil {
				return err
			}
			if err := c.StartLB(cmd.Context(), port, args); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "load balancer at %s\n", c.LB.Endpoint())
			return nil
		},
	}
	cmd.Flags().IntVar(&port, "port", 6443, "port to listen on")
	return cmd
}

func logsCommand(g *globals) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Collect kubelet, containerd, supervisor, pod and load balancer logs into a directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := sandbox.Load(g.cluster)
			if err != nil {
				return err
			}
			out, err := c.CollectLogs(cmd.Context(), dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.out, "logs collected in %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "out", "_artifacts/logs", "directory to copy logs into")
	return cmd
}

func statusCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the cluster's nodes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := sandbox.Load(g.cluster)
			if err != nil {
				return err
			}
			for _, n := range c.Nodes {
				state := "stopped"
				if n.Running() {
					state = "running"
				}
				if n.Cut {
					state += ",cut"
				}
				fmt.Fprintf(g.out, "%s\t%s\t%s\tpods %s\t%s\t%s\n", n.Name, n.Address, n.Version, n.PodCIDR, state, n.Dir())
			}
			if c.LB != nil {
				fmt.Fprintf(g.out, "load balancer %s -> %s\n", c.LB.Endpoint(), strings.Join(c.LB.Backends, ","))
			}
			return nil
		},
	}
}

func deleteCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete",
		Short: "Delete a cluster: its processes, network, cgroups and state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := sandbox.Load(g.cluster)
			if err != nil {
				return err
			}
			return c.Delete(cmd.Context())
		},
	}
}

func cleanCommand(g *globals) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Remove every bench resource left on this host (the artifact cache stays)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !check {
				if err := sandbox.CleanAll(cmd.Context()); err != nil {
					return err
				}
			}
			left, err := sandbox.Leftovers(cmd.Context())
			if err != nil {
				return err
			}
			if len(left) > 0 {
				return fmt.Errorf("bench resources remain on the host:\n  %s", strings.Join(left, "\n  "))
			}
			fmt.Fprintln(g.out, "no bench resources on this host")
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "only report what remains")
	return cmd
}

func superviseCommand(g *globals) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:    "supervise",
		Short:  "Run inside a node: play systemd for containerd and the kubelet",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := supervisor.Load(config)
			if err != nil {
				return err
			}
			return supervisor.Run(cmd.Context(), cfg, g.out)
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "supervisor configuration file")
	return cmd
}
