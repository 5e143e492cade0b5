package images

import (
	"context"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// Puller is what pulling needs of the container runtime.
type Puller interface {
	ImagePresent(ctx context.Context, image string) (bool, error)
	PullImage(ctx context.Context, image string) error
}

// Pull makes the runtime hold every image, in order: an image it holds is
// reported as present, a missing one is pulled. A status query that fails
// is answered by pulling. It stops at the first failed pull; the error
// names the image.
func Pull(ctx context.Context, out progress.Phase, rt Puller, images []string) error {
	for _, img := range images {
		present, err := rt.ImagePresent(ctx, img)
		if err == nil && present {
			out.Infof("Image is present: %s", img)
			continue
		}
		if err := rt.PullImage(ctx, img); err != nil {
			return err
		}
		out.Infof("Pulled %s", img)
	}
	return nil
}
