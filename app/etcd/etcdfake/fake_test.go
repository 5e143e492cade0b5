package etcdfake_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdfake"
)

func TestFakeQuorumAndHealth(t *testing.T) {
	ctx := t.Context()
	f := etcdfake.New(
		etcdfake.Voter("a", "https://a:2380", "https://a:2379"),
		etcdfake.Voter("b", "https://b:2380", "https://b:2379"),
	)
	f.SetDown("https://b:2380", true)
	if err := f.Healthy(ctx); !errors.Is(err, etcd.ErrUnhealthy) {
		t.Fatalf("Healthy with one of two voters down = %v, want ErrUnhealthy", err)
	}
	three := etcdfake.New(
		etcdfake.Voter("a", "https://a:2380", "https://a:2379"),
		etcdfake.Voter("b", "https://b:2380", "https://b:2379"),
		etcdfake.Voter("c", "https://c:2380", "https://c:2379"),
	)
	three.SetDown("https://c:2380", true)
	if err := three.Healthy(ctx); err != nil {
		t.Fatalf("Healthy with one of three voters down = %v, want nil (quorum)", err)
	}
	a, _ := f.Member("https://a:2380")
	if err := f.Remove(ctx, a.ID, false); !errors.Is(err, etcd.ErrQuorumAtRisk) {
		t.Fatalf("Remove = %v, want ErrQuorumAtRisk", err)
	}
	l, _, err := f.AddLearner(ctx, "c", "https://c:2380")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Remove(ctx, l.ID, false); err != nil {
		t.Fatalf("removing a learner: %v", err)
	}
	if err := f.Remove(ctx, a.ID, true); err != nil {
		t.Fatalf("forced Remove: %v", err)
	}
	boom := errors.New("boom")
	f.FailNext(etcdfake.OpSnapshot, boom)
	var buf bytes.Buffer
	if err := f.Snapshot(ctx, &buf); !errors.Is(err, boom) {
		t.Fatalf("Snapshot = %v, want injected error", err)
	}
}
