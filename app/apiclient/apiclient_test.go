package apiclient

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

var cmResource = schema.GroupResource{Resource: "configmaps"}

func configMap(data string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "kube-system"},
		Data:       map[string]string{"k": data},
	}
}

func getCM(t *testing.T, c *fake.Clientset) *corev1.ConfigMap {
	t.Helper()
	cm, err := c.CoreV1().ConfigMaps("kube-system").Get(context.Background(), "cm", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get ConfigMap: %v", err)
	}
	return cm
}

// verbs lists the verbs of the actions on resource, in order.
func verbs(c *fake.Clientset, resource string) []string {
	var out []string
	for _, a := range c.Actions() {
		if a.GetResource().Resource == resource {
			out = append(out, a.GetVerb())
		}
	}
	return out
}

func TestCreateOrUpdateCreatesThenUpdates(t *testing.T) {
	ctx := context.Background()
	c := fake.NewClientset()
	cms := c.CoreV1().ConfigMaps("kube-system")

	if err := CreateOrUpdate(ctx, cms, "ConfigMap", configMap("one")); err != nil {
		t.Fatalf("create: %v", err)
	}
	if got := getCM(t, c).Data["k"]; got != "one" {
		t.Fatalf("after create: data %q, want %q", got, "one")
	}
	if got, want := strings.Join(verbs(c, "configmaps"), ","), "create,get"; got != want {
		t.Fatalf("actions after create: %s, want %s", got, want)
	}

	c.ClearActions()
	if err := CreateOrUpdate(ctx, cms, "ConfigMap", configMap("two")); err != nil {
		t.Fatalf("second call (update): %v", err)
	}
	if got := getCM(t, c).Data["k"]; got != "two" {
		t.Fatalf("after update: data %q, want %q", got, "two")
	}
	if got, want := strings.Join(verbs(c, "configmaps"), ","), "create,update,get"; got != want {
		t.Fatalf("actions of the second call: %s, want %s", got, want)
	}
}

func TestCreateIfNotExistsKeepsExisting(t *testing.T) {
	ctx := context.Background()
	c := fake.NewClientset(configMap("old"))
	if err := CreateIfNotExists(ctx, c.CoreV1().ConfigMaps("kube-system"), "ConfigMap", configMap("new")); err != nil {
		t.Fatalf("CreateIfNotExists on an existing object: %v", err)
	}
	if got := getCM(t, c).Data["k"]; got != "old" {
		t.Fatalf("existing object changed: data %q, want %q", got, "old")
	}
	for _, v := range verbs(c, "configmaps") {
		if v == "update" {
			t.Fatal("CreateIfNotExists updated the existing object")
		}
	}

	c = fake.NewClientset()
	if err := CreateIfNotExists(ctx, c.CoreV1().ConfigMaps("kube-system"), "ConfigMap", configMap("new")); err != nil {
		t.Fatalf("CreateIfNotExists: %v", err)
	}
	if got := getCM(t, c).Data["k"]; got != "new" {
		t.Fatalf("created data %q, want %q", got, "new")
	}
}

// failCreates makes the first n creates of ConfigMaps fail with err.
func failCreates(c *fake.Clientset, n int32, err error) *atomic.Int32 {
	var calls atomic.Int32
	c.PrependReactor("create", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if calls.Add(1) <= n {
			return true, nil, err
		}
		return false, nil, nil
	})
	return &calls
}

func TestCreateOrUpdateRetriesTransientErrors(t *testing.T) {
	transient := []struct {
		name string
		err  error
	}{
		{"server-timeout", apierrors.NewServerTimeout(cmResource, "create", 1)},
		{"internal", apierrors.NewInternalError(errors.New("etcd leader changed"))},
		{"too-many-requests", apierrors.NewTooManyRequests("slow down", 1)},
		{"service-unavailable", apierrors.NewServiceUnavailable("starting")},
		{"conflict", apierrors.NewConflict(cmResource, "cm", errors.New("changed"))},
		{"connection-refused", errors.New("dial tcp 127.0.0.1:6443: connect: connection refused")},
	}
	for _, tc := range transient {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := fake.NewClientset()
			calls := failCreates(c, 1, tc.err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := CreateOrUpdate(ctx, c.CoreV1().ConfigMaps("kube-system"), "ConfigMap", configMap("v")); err != nil {
				t.Fatalf("CreateOrUpdate after one transient error: %v", err)
			}
			if got := calls.Load(); got != 2 {
				t.Fatalf("create called %d times, want 2", got)
			}
			if got := getCM(t, c).Data["k"]; got != "v" {
				t.Fatalf("data %q, want %q", got, "v")
			}
		})
	}
}

func TestCreateOrUpdateStopsOnPermanentErrors(t *testing.T) {
	permanent := []struct {
		name  string
		err   error
		check func(error) bool
	}{
		{"invalid", apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, "cm", field.ErrorList{field.Invalid(field.NewPath("data"), "x", "bad")}), apierrors.IsInvalid},
		{"forbidden", apierrors.NewForbidden(cmResource, "cm", errors.New("RBAC says no")), apierrors.IsForbidden},
		{"bad-request", apierrors.NewBadRequest("nope"), apierrors.IsBadRequest},
		{"unauthorized", apierrors.NewUnauthorized("who are you"), apierrors.IsUnauthorized},
		{"method-not-supported", apierrors.NewMethodNotSupported(cmResource, "create"), apierrors.IsMethodNotSupported},
	}
	for _, tc := range permanent {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := fake.NewClientset()
			calls := failCreates(c, 1000, tc.err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := CreateOrUpdate(ctx, c.CoreV1().ConfigMaps("kube-system"), "ConfigMap", configMap("v"))
			if err == nil {
				t.Fatal("CreateOrUpdate succeeded, want the permanent error")
			}
			if got := calls.Load(); got != 1 {
				t.Fatalf("create called %d times, want 1 (no retry of a permanent error)", got)
			}
			if time.Since(start) >= RetryInterval {
				t.Fatalf("took %s: a permanent error must not wait for a retry", time.Since(start))
			}
			if !tc.check(err) {
				t.Fatalf("error %v does not keep its API status", err)
			}
			if !strings.Contains(err.Error(), "create or update ConfigMap kube-system/cm") {
				t.Fatalf("error %q does not name the operation and object", err)
			}
		})
	}
}

func TestRetryGivesUpWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	var calls atomic.Int32
	start := time.Now()
	err := Retry(ctx, "do the thing", func(context.Context) error {
		calls.Add(1)
		return errors.New("still starting")
	})
	if err == nil {
		t.Fatal("Retry succeeded, want an error when the context ends")
	}
	if !strings.Contains(err.Error(), "do the thing") || !strings.Contains(err.Error(), "still starting") {
		t.Fatalf("error %q should name the operation and its last error", err)
	}
	if n := calls.Load(); n < 2 {
		t.Fatalf("fn called %d times, want retries until the deadline", n)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Retry returned after %s, long after the deadline", elapsed)
	}
}

func TestRetryCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Retry(ctx, "op", func(context.Context) error { return errors.New("transient") })
	if err == nil || !strings.Contains(err.Error(), "op") {
		t.Fatalf("Retry with a cancelled context: %v, want an error naming the operation", err)
	}
}

func TestRetrySucceedsFirstTime(t *testing.T) {
	calls := 0
	err := Retry(context.Background(), "op", func(context.Context) error { calls++; return nil })
	if err != nil || calls != 1 {
		t.Fatalf("Retry = %v after %d calls, want nil after 1", err, calls)
	}
}

func TestCreateOrUpdateRetriesTransientUpdateError(t *testing.T) {
	t.Parallel()
	c := fake.NewClientset(configMap("old"))
	var calls atomic.Int32
	c.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if calls.Add(1) == 1 {
			return true, nil, apierrors.NewServiceUnavailable("apiserver restarting")
		}
		return false, nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := CreateOrUpdate(ctx, c.CoreV1().ConfigMaps("kube-system"), "ConfigMap", configMap("new")); err != nil {
		t.Fatalf("CreateOrUpdate: %v", err)
	}
	if got := getCM(t, c).Data["k"]; got != "new" {
		t.Fatalf("data %q, want %q", got, "new")
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("update called %d times, want 2", n)
	}
}

func TestParallel(t *testing.T) {
	t.Run("none", func(t *testing.T) {
		if err := Parallel(context.Background()); err != nil {
			t.Fatalf("Parallel() = %v, want nil", err)
		}
	})
	t.Run("all-succeed", func(t *testing.T) {
		var n atomic.Int32
		op := func(context.Context) error { n.Add(1); return nil }
		if err := Parallel(context.Background(), op, op, op); err != nil {
			t.Fatalf("Parallel = %v, want nil", err)
		}
		if n.Load() != 3 {
			t.Fatalf("%d ops ran, want 3", n.Load())
		}
	})
	t.Run("joins-errors", func(t *testing.T) {
		errA, errB := errors.New("a failed"), errors.New("b failed")
		err := Parallel(context.Background(),
			func(context.Context) error { return errA },
			func(context.Context) error { return nil },
			func(context.Context) error { return errB },
		)
		if err == nil {
			t.Fatal("Parallel = nil, want the joined errors")
		}
		if !errors.Is(err, errA) || !errors.Is(err, errB) {
			t.Fatalf("Parallel = %v, want both errors joined", err)
		}
		if !strings.Contains(err.Error(), "a failed") || !strings.Contains(err.Error(), "b failed") {
			t.Fatalf("message %q lacks an error", err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		// Every op waits for all the others to start: this only finishes
		// when they run at the same time.
		const n = 5
		var started sync.WaitGroup
		started.Add(n)
		ops := make([]func(context.Context) error, n)
		for i := range ops {
			ops[i] = func(context.Context) error {
				started.Done()
				done := make(chan struct{})
				go func() { started.Wait(); close(done) }()
				select {
				case <-done:
					return nil
				case <-time.After(5 * time.Second):
					return errors.New("ops did not run concurrently")
				}
			}
		}
		if err := Parallel(context.Background(), ops...); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("passes-context", func(t *testing.T) {
		type key struct{}
		ctx := context.WithValue(context.Background(), key{}, "v")
		err := Parallel(ctx, func(ctx context.Context) error {
			if ctx.Value(key{}) != "v" {
				return errors.New("op did not get the caller's context")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestFromKubeconfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "admin.conf")
	kubeconfig := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
    insecure-skip-tls-verify: true
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
users:
- name: u
  user: {token: abc}
`
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := FromKubeconfig(path)
	if err != nil || c == nil {
		t.Fatalf("FromKubeconfig = %v, %v", c, err)
	}

	missing := filepath.Join(dir, "missing.conf")
	if _, err := FromKubeconfig(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("FromKubeconfig(missing) = %v, want an error naming %s", err, missing)
	}
}
