package main

import (
	"github.com/spf13/cobra"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

func newImagesPull(s streams) *cobra.Command {
	var path, version, repo, socket, gates string
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Pull images used by kubeadm",
		Long: `Pull images used by kubeadm through the node's container runtime (CRI).
Images the runtime already holds are not pulled again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := imagesConfig(cmd, path, version, repo, gates)
			if err != nil {
				return err
			}
			list, err := images.List(cfg.Cluster)
			if err != nil {
				return err
			}
			if socket == "" {
				socket = cfg.Init.NodeRegistration.CRISocket
			}
			if socket == "" {
				if socket, err = localHost.DetectCRISocket(); err != nil {
					return err
				}
			}
			rt, err := cri.Dial(cmd.Context(), socket)
			if err != nil {
				return err
			}
			defer rt.Close()
			out := progress.Phase{R: &progress.Human{W: s.out}, Name: "config/images"}
			return images.Pull(cmd.Context(), out, rt, list)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&path, "config", "", "Path to a kubeadm configuration file.")
	fs.StringVar(&socket, "cri-socket", "", "Path to the CRI socket to connect. If empty kubeadm will try to auto-detect this value; use this option only if you have more than one CRI installed or if you have non-standard CRI socket.")
	fs.StringVar(&gates, "feature-gates", "", "A set of key=value pairs that describe feature gates for various features. Options are:\nRootlessControlPlane=true|false (ALPHA - default=false)")
	fs.StringVar(&repo, "image-repository", "registry.k8s.io", "Choose a container registry to pull control plane images from")
	fs.StringVar(&version, "kubernetes-version", versions.DefaultLabel, "Choose a specific Kubernetes version for the control plane.")
	return cmd
}
