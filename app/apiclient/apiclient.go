// Package apiclient holds what every phase that talks to the API server
// needs: create-or-update with retries on transient errors, and building a
// clientset from a kubeconfig file.
package apiclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// RetryInterval is the pause between attempts of a failed API call.
const RetryInterval = 500 * time.Millisecond

// object is what CreateOrUpdate needs of an API object.
type object interface {
	GetName() string
	GetNamespace() string
}

// createUpdater is the part of a typed client CreateOrUpdate uses.
type createUpdater[T object] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// CreateOrUpdate creates obj, or replaces it when it exists, retrying
// transient failures until ctx ends. kind names the object in errors.
func CreateOrUpdate[T object](ctx context.Context, c createUpdater[T], kind string, obj T) error {
	return Retry(ctx, fmt.Sprintf("create or update %s %s", kind, qualified(obj)), func(ctx context.Context) error {
		_, err := c.Create(ctx, obj, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			_, err = c.Update(ctx, obj, metav1.UpdateOptions{})
		}
		return err
	})
}

// CreateIfNotExists creates obj and leaves an existing one as it is.
func CreateIfNotExists[T object](ctx context.Context, c createUpdater[T], kind string, obj T) error {
	return Retry(ctx, fmt.Sprintf("create %s %s", kind, qualified(obj)), func(ctx context.Context) error {
		_, err := c.Create(ctx, obj, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
}

func qualified(o object) string {
	if o.GetNamespace() == "" {
		return o.GetName()
	}
	return o.GetNamespace() + "/" + o.GetName()
}

// Retry calls fn until it succeeds, fails permanently (invalid, forbidden,
// ...) or ctx ends. The error names what was being done.
func Retry(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, RetryInterval, true, func(ctx context.Context) (bool, error) {
		last = fn(ctx)
		if last == nil {
			return true, nil
		}
		if permanent(last) {
			return false, last
		}
		return false, nil
	})
	if err != nil {
		if last != nil {
			return fmt.Errorf("%s: %w", what, last)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func permanent(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err) ||
		apierrors.IsMethodNotSupported(err) || apierrors.IsNotAcceptable(err) || apierrors.IsUnsupportedMediaType(err) ||
		apierrors.IsUnauthorized(err)
}

// FromKubeconfig builds a clientset from a kubeconfig file.
func FromKubeconfig(path string) (clientset.Interface, error) {
	return FromKubeconfigAt(path, "")
}

// FromKubeconfigAt builds a clientset from a kubeconfig file, talking to
// server (an https:// URL) instead of the file's server when server is not
// "". The file's CA and credentials are used either way; the file is not
// changed.
func FromKubeconfigAt(path, server string) (clientset.Interface, error) {
	cfg, err := RESTConfig(path, server)
	if err != nil {
		return nil, err
	}
	c, err := clientset.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client from %s: %w", path, err)
	}
	return c, nil
}

// RESTConfig loads a kubeconfig file (talking to server instead of the
// file's when server is not "") with Tune's settings.
func RESTConfig(path, server string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags(server, path)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
	}
	Tune(cfg)
	return cfg, nil
}

// Tune sets kubeadm's request timeout and rate limits: kubeadm makes a
// burst of writes while it bootstraps, and client-go's default limit
// (5/s, burst 10) would queue them for no reason.
func Tune(cfg *rest.Config) {
	cfg.Timeout = 30 * time.Second
	cfg.QPS, cfg.Burst = 100, 200
}

// Parallel runs independent API operations at once and returns their
// errors joined; the API server handles them concurrently, which matters
// for the round trips of a phase that creates many objects.
func Parallel(ctx context.Context, ops ...func(ctx context.Context) error) error {
	errs := make([]error, len(ops))
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = op(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
