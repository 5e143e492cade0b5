package etcdjoin

import (
	"context"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestLeaseSerializes(t *testing.T) {
	client := fake.NewSimpleClientset()
	ctx := context.Background()
	first, err := Acquire(ctx, client, "cp2", 30*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var waitedFor []string
	got := make(chan *Lease)
	go func() {
		l, err := Acquire(ctx, client, "cp3", 30*time.Second, func(other string) {
			mu.Lock()
			waitedFor = append(waitedFor, other)
			mu.Unlock()
		})
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	select {
	case <-got:
		t.Fatal("the second holder took the lease while the first held it")
	case <-time.After(1500 * time.Millisecond):
	}
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	second := <-got
	mu.Lock()
	if len(waitedFor) != 1 || waitedFor[0] != "cp2" {
		t.Errorf("waited for %v", waitedFor)
	}
	mu.Unlock()
	l, err := client.CoordinationV1().Leases("kube-system").Get(ctx, LeaseName, metav1.GetOptions{})
	if err != nil || *l.Spec.HolderIdentity != "cp3" {
		t.Fatalf("lease %+v, %v", l, err)
	}
	if err := second.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestExpiredLeaseIsTaken(t *testing.T) {
	holder, secs := "dead-node", int32(5)
	old := metav1.NewMicroTime(time.Now().Add(-time.Minute))
	client := fake.NewSimpleClientset(&coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: LeaseName, Namespace: "kube-system"},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &old},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := Acquire(ctx, client, "cp2", 30*time.Second, nil)
	if err != nil {
		t.Fatalf("an expired lease was not taken over: %v", err)
	}
	_ = l.Release(ctx)
}

func TestAcquireGivesUpWithTheContext(t *testing.T) {
	holder, secs := "cp2", int32(600)
	now := metav1.NewMicroTime(time.Now())
	client := fake.NewSimpleClientset(&coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: LeaseName, Namespace: "kube-system"},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &now},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, client, "cp3", 30*time.Second, nil); err == nil {
		t.Fatal("took a live lease")
	}
}
