package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/phases/showjoin"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

const (
	upToken          = "abcdef.0123456789abcdef"
	upCertificateKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// upCommand brings up a cluster with the project's kubeadm: init on cp1,
// control planes (behind the host haproxy) and workers joined, then prints
// the nodes and Pods.
func upCommand(g *globals) *cobra.Command {
	var kubeadmBin, version string
	var imageVersions []string
	var controlPlanes, workers int
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create sandbox nodes and build a cluster on them with this project's kubeadm init and join",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if controlPlanes < 1 || workers < 0 {
				return fmt.Errorf("--control-planes must be at least 1 and --workers at least 0")
			}
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
			var nodes, cpNames []string
			for i := 1; i <= controlPlanes; i++ {
				cpNames = append(cpNames, fmt.Sprintf("cp%d", i))
			}
			nodes = append(nodes, cpNames...)
			for i := 1; i <= workers; i++ {
				nodes = append(nodes, fmt.Sprintf("w%d", i))
			}
			var opts []sandbox.NodeOptions
			for _, n := range nodes {
				opts = append(opts, sandbox.NodeOptions{Name: n, Version: version})
			}
			c, err := sandbox.Create(ctx, sandbox.CreateOptions{Name: g.cluster, Nodes: opts, Versions: imageVersions, BenchBinary: self, Log: logger(g.out), ExtraImages: []string{tools}})
			if err != nil {
				return err
			}
			abs, err := filepath.Abs(kubeadmBin)
			if err != nil {
				return err
			}
			for _, n := range c.Nodes {
				if err := n.InstallBinary(abs, "kubeadm"); err != nil {
					return err
				}
			}
			cp1 := c.Nodes[0]
			extra, endpoint := "", fmt.Sprintf("%s:6443", cp1.Address)
			if controlPlanes > 1 {
				if err := c.StartLB(ctx, 6443, cpNames); err != nil {
					return err
				}
				endpoint = c.LB.Endpoint()
				extra = "controlPlaneEndpoint: " + endpoint + "\n"
			}
			initCfg := strings.Replace(sandbox.InitConfig(version, upToken, extra), "kind: InitConfiguration\n", "kind: InitConfiguration\ncertificateKey: "+upCertificateKey+"\n", 1)
			if err := cp1.WriteFile(ctx, sandbox.KubeadmConfigPath, []byte(initCfg), 0o600); err != nil {
				return err
			}
			if err := cp1.Exec(ctx, nil, g.out, g.errOut, "kubeadm", "init", "--config", sandbox.KubeadmConfigPath, "--upload-certs", "--ignore-preflight-errors=SystemVerification"); err != nil {
				return err
			}
			ca, err := cp1.ReadFile(ctx, "/etc/kubernetes/pki/ca.crt")
			if err != nil {
				return err
			}
			block, _ := pem.Decode(ca)
			if block == nil {
				return fmt.Errorf("cp1's ca.crt is not PEM")
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return err
			}
			join := []string{"kubeadm", "join", endpoint, "--token", upToken, "--discovery-token-ca-cert-hash", showjoin.CACertHash(cert), "--ignore-preflight-errors=SystemVerification"}
			for i, n := range c.Nodes[1:] {
				args := join
				if i+1 < controlPlanes {
					args = append(append([]string{}, join...), "--control-plane", "--certificate-key", upCertificateKey)
				}
				fmt.Fprintf(g.out, "joining %s\n", n.Name)
				if err := n.Exec(ctx, nil, g.out, g.errOut, args...); err != nil {
					return err
				}
			}
			fmt.Fprintln(g.out, "waiting for the nodes and CoreDNS to be Ready")
			if err := cp1.Exec(ctx, nil, g.out, g.errOut, "kubectl", "wait", "--for=condition=Ready", "nodes", "--all", "--timeout=180s"); err != nil {
				return err
			}
			if err := cp1.Exec(ctx, nil, g.out, g.errOut, "kubectl", "-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=180s"); err != nil {
				return err
			}
			if err := cp1.Exec(ctx, nil, g.out, g.errOut, "kubectl", "get", "nodes,pods", "-A", "-o", "wide"); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "cluster %q up in %s; use: bin/bench exec cp1 -- kubectl get pods -A\n", g.cluster, time.Since(start).Round(time.Second))
			return nil
		},
	}
	cmd.Flags().StringVar(&kubeadmBin, "kubeadm", "bin/kubeadm", "the kubeadm binary to install on the nodes")
	cmd.Flags().StringVar(&version, "version", artifacts.DefaultVersion, "Kubernetes version")
	cmd.Flags().StringSliceVar(&imageVersions, "image-versions", nil, "Kubernetes versions whose images every node gets (default: --version), e.g. v1.36.3,v1.37.1 for an upgrade")
	cmd.Flags().IntVar(&controlPlanes, "control-planes", 1, "control-plane nodes (more than one puts them behind the host haproxy)")
	cmd.Flags().IntVar(&workers, "workers", 1, "worker nodes")
	return cmd
}
