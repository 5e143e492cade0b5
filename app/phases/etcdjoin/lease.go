// Package etcdjoin serializes the etcd part of control-plane joins: etcd
// admits one learner at a time, so a joining control plane first takes a
// coordination.k8s.io Lease (kube-system/kubeadm-etcd-join), holds it while
// its member is added, started and promoted, and releases it. A holder that
// dies stops renewing and its Lease expires, so no join waits forever.
package etcdjoin

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// LeaseName is the Lease joining control planes take.
const LeaseName = "kubeadm-etcd-join"

// Lease is a held lease; Release gives it up.
type Lease struct {
	// TakenFrom is the holder whose Lease had expired when it was taken,
	// "" otherwise: a join that stopped part-way, whose etcd learner may
	// still be in the cluster.
	TakenFrom string

	client clientset.Interface
	holder string
	stop   context.CancelFunc
	done   chan struct{}
}

// Acquire takes the lease for holder, waiting while another live holder has
// it; waiting(holder) is called once per change of the holder waited for.
func Acquire(ctx context.Context, client clientset.Interface, holder string, duration time.Duration, waiting func(other string)) (*Lease, error) {
	leases := client.CoordinationV1().Leases(constants.KubeSystemNamespace)
	secs := int32(duration.Seconds())
	lastOther := ""
	for {
		now := metav1.NewMicroTime(time.Now())
		cur, err := leases.Get(ctx, LeaseName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = leases.Create(ctx, &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: LeaseName, Namespace: constants.KubeSystemNamespace},
				Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, AcquireTime: &now, RenewTime: &now},
			}, metav1.CreateOptions{})
			if err == nil {
				return start(client, holder, duration), nil
			}
		case err == nil:
			other := ""
			if cur.Spec.HolderIdentity != nil {
				other = *cur.Spec.HolderIdentity
			}
			if other == holder || other == "" || expired(cur, time.Now()) {
				cur.Spec.HolderIdentity, cur.Spec.LeaseDurationSeconds, cur.Spec.AcquireTime, cur.Spec.RenewTime = &holder, &secs, &now, &now
				if _, err = leases.Update(ctx, cur, metav1.UpdateOptions{}); err == nil {
					l := start(client, holder, duration)
					if other != holder {
						l.TakenFrom = other
					}
					return l, nil
				}
			} else if other != lastOther {
				lastOther = other
				if waiting != nil {
					waiting(other)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("take Lease %s/%s (held by %q): %w", constants.KubeSystemNamespace, LeaseName, lastOther, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

func expired(l *coordinationv1.Lease, now time.Time) bool {
	if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
		return true
	}
	return now.After(l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second))
}

// start renews the lease every third of its duration until Release.
func start(client clientset.Interface, holder string, duration time.Duration) *Lease {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Lease{client: client, holder: holder, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		leases := client.CoordinationV1().Leases(constants.KubeSystemNamespace)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(duration / 3):
			}
			cur, err := leases.Get(ctx, LeaseName, metav1.GetOptions{})
			if err != nil || cur.Spec.HolderIdentity == nil || *cur.Spec.HolderIdentity != holder {
				continue
			}
			now := metav1.NewMicroTime(time.Now())
			cur.Spec.RenewTime = &now
			_, _ = leases.Update(ctx, cur, metav1.UpdateOptions{})
		}
	}()
	return l
}

// Release stops renewing and deletes the lease if this holder still has it.
func (l *Lease) Release(ctx context.Context) error {
	l.stop()
	<-l.done
	leases := l.client.CoordinationV1().Leases(constants.KubeSystemNamespace)
	cur, err := leases.Get(ctx, LeaseName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release Lease %s: %w", LeaseName, err)
	}
	if cur.Spec.HolderIdentity == nil || *cur.Spec.HolderIdentity != l.holder {
		return nil
	}
	rv := cur.ResourceVersion
	err = leases.Delete(ctx, LeaseName, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &rv}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("release Lease %s: %w", LeaseName, err)
	}
	return nil
}
