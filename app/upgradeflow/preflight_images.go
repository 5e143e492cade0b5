package upgradeflow

import (
	"context"
	"fmt"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// targetImages are the images this node's static Pods run at the target.
func (d *Data) targetImages() ([]string, error) {
	var out []string
	if d.lcp.Etcd != nil && d.Settings.EtcdUpgrade {
		img, err := images.Etcd(d.cluster)
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	for _, c := range []string{constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler} {
		out = append(out, images.Component(d.cluster, c))
	}
	return out, nil
}

// dryRunPuller reports missing images without pulling them.
type dryRunPuller struct{ images.Puller }

func (dryRunPuller) PullImage(_ context.Context, image string) error {
	return fmt.Errorf("image %s is not on this node (dry run: not pulled)", image)
}

// imagesCheck makes sure the container runtime holds the new images
// before anything is stopped, pulling the missing ones: an image that
// cannot be had fails the upgrade here, not half-way through it.
func (d *Data) imagesCheck(out progress.Phase) preflight.Check {
	return preflight.Check{Name: "ImagePull", Run: func(ctx context.Context) ([]string, error) {
		list, err := d.targetImages()
		if err != nil {
			return nil, err
		}
		socket := d.criSocket()
		if socket == "" {
			return []string{"no container runtime found: the new images were not checked"}, nil
		}
		rt, err := d.Runtime(ctx, socket)
		if err != nil {
			return nil, err
		}
		defer rt.Close()
		var p images.Puller = rt
		if d.Settings.DryRun {
			p = dryRunPuller{rt}
		}
		return nil, images.Pull(ctx, out, p, list)
	}}
}
