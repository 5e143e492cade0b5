package markcontrolplane

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

const (
	cpLabel = "node-role.kubernetes.io/control-plane"
	lbLabel = "node.kubernetes.io/exclude-from-external-load-balancers"
)

var cpTaint = corev1.Taint{Key: cpLabel, Effect: corev1.TaintEffectNoSchedule}

func node(labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cp-1", Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
}

func TestApply(t *testing.T) {
	other := corev1.Taint{Key: "example.com/dedicated", Value: "db", Effect: corev1.TaintEffectNoExecute}
	tests := []struct {
		name        string
		node        *corev1.Node
		taints      []corev1.Taint
		wantChanged bool
		wantLabels  map[string]string
		wantTaints  []corev1.Taint
	}{
		{
			name:        "bare-node",
			node:        node(nil),
			taints:      []corev1.Taint{cpTaint},
			wantChanged: true,
			wantLabels:  map[string]string{cpLabel: "", lbLabel: ""},
			wantTaints:  []corev1.Taint{cpTaint},
		},
		{
			name:        "keeps-other-labels-and-taints",
			node:        node(map[string]string{"kubernetes.io/hostname": "cp-1"}, other),
			taints:      []corev1.Taint{cpTaint},
			wantChanged: true,
			wantLabels:  map[string]string{"kubernetes.io/hostname": "cp-1", cpLabel: "", lbLabel: ""},
			wantTaints:  []corev1.Taint{other, cpTaint},
		},
		{
			name:        "already-marked",
			node:        node(map[string]string{cpLabel: "", lbLabel: ""}, cpTaint),
			taints:      []corev1.Taint{cpTaint},
			wantChanged: false,
			wantLabels:  map[string]string{cpLabel: "", lbLabel: ""},
			wantTaints:  []corev1.Taint{cpTaint},
		},
		{
			name:        "label-with-other-value",
			node:        node(map[string]string{cpLabel: "yes", lbLabel: ""}, cpTaint),
			taints:      []corev1.Taint{cpTaint},
			wantChanged: true,
			wantLabels:  map[string]string{cpLabel: "", lbLabel: ""},
			wantTaints:  []corev1.Taint{cpTaint},
		},
		{
			name:        "no-taints-wanted",
			node:        node(nil),
			taints:      nil,
			wantChanged: true,
			wantLabels:  map[string]string{cpLabel: "", lbLabel: ""},
			wantTaints:  nil,
		},
		{
			name:        "same-key-other-effect-is-added",
			node:        node(map[string]string{cpLabel: "", lbLabel: ""}, corev1.Taint{Key: cpLabel, Effect: corev1.TaintEffectPreferNoSchedule}),
			taints:      []corev1.Taint{cpTaint},
			wantChanged: true,
			wantLabels:  map[string]string{cpLabel: "", lbLabel: ""},
			wantTaints:  []corev1.Taint{{Key: cpLabel, Effect: corev1.TaintEffectPreferNoSchedule}, cpTaint},
		},
		{
			name:        "several-taints",
			node:        node(nil, cpTaint),
			taints:      []corev1.Taint{cpTaint, other},
			wantChanged: true,
			wantLabels:  map[string]string{cpLabel: "", lbLabel: ""},
			wantTaints:  []corev1.Taint{cpTaint, other},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.node.DeepCopy()
			if got := Apply(n, tc.taints); got != tc.wantChanged {
				t.Fatalf("Apply changed = %v, want %v", got, tc.wantChanged)
			}
			if !reflect.DeepEqual(n.Labels, tc.wantLabels) {
				t.Fatalf("labels %v, want %v", n.Labels, tc.wantLabels)
			}
			if !reflect.DeepEqual(n.Spec.Taints, tc.wantTaints) {
				t.Fatalf("taints %v, want %v", n.Spec.Taints, tc.wantTaints)
			}
			// Idempotent: a second Apply changes nothing.
			again := n.DeepCopy()
			if Apply(again, tc.taints) {
				t.Fatal("a second Apply reported a change")
			}
			if !reflect.DeepEqual(again, n) {
				t.Fatalf("a second Apply changed the node: %+v -> %+v", n, again)
			}
		})
	}
}

func TestApplyDoesNotShareLabelsMap(t *testing.T) {
	n := node(nil)
	Apply(n, nil)
	n.Labels["mutated"] = "x"
	if _, ok := Labels["mutated"]; ok {
		t.Fatal("the node's labels map is the package's Labels map")
	}
}

func nodeVerbs(c *fake.Clientset) []string {
	var out []string
	for _, a := range c.Actions() {
		if a.GetResource().Resource == "nodes" {
			out = append(out, a.GetVerb())
		}
	}
	return out
}

func TestMarkWaitsForNode(t *testing.T) {
	client := fake.NewClientset(node(map[string]string{"kubernetes.io/hostname": "cp-1"}))
	// The kubelet has not registered the Node yet on the first two gets.
	var gets atomic.Int32
	client.PrependReactor("get", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		if gets.Add(1) <= 2 {
			return true, nil, apierrors.NewNotFound(corev1.Resource("nodes"), "cp-1")
		}
		return false, nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Mark(ctx, client, "cp-1", []corev1.Taint{cpTaint}); err != nil {
		t.Fatalf("Mark: %v", err)
	}
	if gets.Load() != 3 {
		t.Fatalf("node fetched %d times, want 3", gets.Load())
	}
	got, err := client.CoreV1().Nodes().Get(ctx, "cp-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantLabels := map[string]string{"kubernetes.io/hostname": "cp-1", cpLabel: "", lbLabel: ""}
	if !reflect.DeepEqual(got.Labels, wantLabels) {
		t.Fatalf("labels %v, want %v", got.Labels, wantLabels)
	}
	if !reflect.DeepEqual(got.Spec.Taints, []corev1.Taint{cpTaint}) {
		t.Fatalf("taints %v, want %v", got.Spec.Taints, []corev1.Taint{cpTaint})
	}
}

func TestMarkAlreadyMarkedDoesNotUpdate(t *testing.T) {
	client := fake.NewClientset(node(map[string]string{cpLabel: "", lbLabel: ""}, cpTaint))
	if err := Mark(context.Background(), client, "cp-1", []corev1.Taint{cpTaint}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(nodeVerbs(client), ","); got != "get" {
		t.Fatalf("actions %s, want only get", got)
	}
}

func TestMarkRetriesConflict(t *testing.T) {
	client := fake.NewClientset(node(nil))
	var updates atomic.Int32
	client.PrependReactor("update", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		if updates.Add(1) == 1 {
			return true, nil, apierrors.NewConflict(corev1.Resource("nodes"), "cp-1", errors.New("the object has been modified"))
		}
		return false, nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Mark(ctx, client, "cp-1", []corev1.Taint{cpTaint}); err != nil {
		t.Fatalf("Mark: %v", err)
	}
	// The retry reads the Node again before updating it.
	if got, want := strings.Join(nodeVerbs(client), ","), "get,update,get,update"; got != want {
		t.Fatalf("actions %s, want %s", got, want)
	}
	got, _ := client.CoreV1().Nodes().Get(ctx, "cp-1", metav1.GetOptions{})
	if _, ok := got.Labels[cpLabel]; !ok || len(got.Spec.Taints) != 1 {
		t.Fatalf("node not marked: %+v", got)
	}
}

func TestMarkTimesOut(t *testing.T) {
	client := fake.NewClientset()
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	err := Mark(ctx, client, "never", []corev1.Taint{cpTaint})
	if err == nil {
		t.Fatal("Mark of a Node that never appears succeeded")
	}
	if !strings.Contains(err.Error(), "never") || !apierrors.IsNotFound(err) {
		t.Fatalf("error %q should name the node and keep the NotFound", err)
	}
}
