package initflow

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// componentBindings are the ClusterRoleBindings of the controller manager's
// and the scheduler's users. The API server's rbac/bootstrap-roles hook
// creates them after every ClusterRole and before its namespaced Roles;
// with them the two components may take their leader-election Leases.
var componentBindings = []string{"system:kube-controller-manager", "system:kube-scheduler"}

// rightsPoll is how often the bindings are asked for.
const rightsPoll = 100 * time.Millisecond

// waitComponentRights returns once the API server has bound the controller
// manager's and the scheduler's users to their roles, or once live (the
// API server's /livez) returns, whichever comes first; live's error is the
// one reported. The held manifests are written then: the two components
// start while the API server runs its last start-up hooks (0.4-0.8 s
// before /livez passed in four runs on the bench) and take their Leases at
// their first try. Started before their bindings exist, they would wait out
// leader election's retries (2 to 4.4 s). Without super-admin.conf (an
// external CA that did not give one), only live is waited for.
func (d *Data) waitComponentRights(ctx context.Context, out progress.Phase, live func(context.Context) error) error {
	super, err := d.superAdminClient()
	if err != nil {
		return live(ctx)
	}
	bound, err := rightsOrLive(ctx, super, live)
	if bound {
		out.Infof("kube-apiserver has bound the users of kube-controller-manager and kube-scheduler to their roles")
	}
	return err
}

// rightsOrLive waits for componentBindings through c, or for live; it
// reports whether the bindings came first.
func rightsOrLive(ctx context.Context, c clientset.Interface, live func(context.Context) error) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bound := make(chan struct{})
	go func() {
		if waitBindings(ctx, c, componentBindings) == nil {
			close(bound)
		}
	}()
	liveErr := make(chan error, 1)
	go func() { liveErr <- live(ctx) }()
	select {
	case <-bound:
		return true, nil
	case err := <-liveErr:
		return false, err
	}
}

// waitBindings polls until every named ClusterRoleBinding exists; errors
// (no server yet, hooks still running) only mean "not yet".
func waitBindings(ctx context.Context, c clientset.Interface, names []string) error {
	return wait.PollUntilContextCancel(ctx, rightsPoll, true, func(ctx context.Context) (bool, error) {
		for _, name := range names {
			if _, err := c.RbacV1().ClusterRoleBindings().Get(ctx, name, metav1.GetOptions{}); err != nil {
				return false, nil
			}
		}
		return true, nil
	})
}
