package upgrade

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// ManifestStore is the static Pod directory as a rollout sees it.
type ManifestStore interface {
	// Read returns the component's current manifest.
	Read(component string) ([]byte, error)
	// Write replaces the component's manifest atomically.
	Write(component string, data []byte) error
	// Remove takes the component's manifest away, so the kubelet stops it.
	Remove(component string) error
	// Backup keeps a copy of a manifest and returns where it is.
	Backup(component string, data []byte) (string, error)
}

// Watcher follows a component's static Pod as the kubelet runs it.
type Watcher interface {
	// Hash returns the kubelet's hash of the manifest the component's
	// mirror Pod runs, or "" when it cannot tell.
	Hash(ctx context.Context, component string) (string, error)
	// Wait returns once the component runs manifest (its mirror Pod's
	// hash approved by accept) and is ready and healthy; it fails when ctx
	// ends first, or earlier when it knows the component cannot come up.
	Wait(ctx context.Context, component string, manifest []byte, accept func(hash string) bool) error
	// WaitStopped returns once the component's containers have exited
	// and, when podUID (its manifest hash) is known, the kubelet has
	// finished with that Pod.
	WaitStopped(ctx context.Context, component, podUID string) error
}

// Hastener is a Watcher that can end a replaced component's old
// containers once they no longer serve, rather than leave them to the
// kubelet's grace period (an API server lingers the whole 30 s of it).
type Hastener interface {
	Hasten(ctx context.Context, component, oldHash string)
}

// Step is one component of a rollout.
type Step struct {
	Component string
	// Target is the manifest to write.
	Target []byte
	// Renew renews the component's certificates before the new manifest
	// is written; nil when renewal is off.
	Renew func() error
	// StopFirst are components stopped (their manifests taken away)
	// before this one is rewritten, and started again by their own later
	// step. A local etcd is replaced with its API server stopped: an API
	// server without its etcd hangs the kubelet's requests for half a
	// minute, and the kubelet makes one before it starts a static Pod.
	StopFirst []string
}

// Rollout rewrites control-plane static Pods one after the other and puts
// them all back when one does not come up.
type Rollout struct {
	Manifests ManifestStore
	Watcher   Watcher
	// RestoreEtcd, when set, replaces the local etcd data with the backup
	// taken before the rollout. It is called with etcd stopped, and only
	// when etcd's manifest was rewritten. Leave it nil when etcd has other
	// members: they hold the data, and a restored member would fork it.
	RestoreEtcd func(ctx context.Context) error
	// Backup is the etcd backup RestoreEtcd restores; a rollback that does
	// not complete names it, for 'kubeadm etcd restore'.
	Backup string
	// Timeout bounds the wait for each component, forward and back.
	Timeout time.Duration
	// Infof reports progress; nil discards it.
	Infof func(format string, args ...any)

	hashes map[string]string // the components' hashes before the rollout
}

// Failure is a rollout that stopped at a component.
type Failure struct {
	Component string
	Err       error
	// RolledBack lists the components whose manifests were put back.
	RolledBack []string
	// RestoredEtcd is set when etcd's data was restored from the backup.
	RestoredEtcd bool
	// RollbackErr is set when the rollback itself did not complete.
	RollbackErr error
	// Backup is the etcd backup to restore from by hand when the rollback
	// did not complete ("" when etcd has peers holding the data).
	Backup string
}

func (f *Failure) Error() string {
	msg := fmt.Sprintf("upgrade of %s failed: %v", f.Component, f.Err)
	switch {
	case f.RollbackErr != nil:
		msg += fmt.Sprintf("; rolling back %s did not complete: %v", strings.Join(f.RolledBack, ", "), f.RollbackErr)
		if f.Backup != "" {
			msg += fmt.Sprintf("; to bring etcd back as it was before the upgrade, run 'kubeadm etcd restore --from %s --force'", f.Backup)
		}
		return msg
	case len(f.RolledBack) > 0:
		extra := ""
		if f.RestoredEtcd {
			extra = ", etcd data restored from the backup"
		}
		return msg + fmt.Sprintf("; rolled back %s%s, and the previous control plane is healthy again", strings.Join(f.RolledBack, ", "), extra)
	}
	return msg + "; nothing had been changed"
}

func (f *Failure) Unwrap() error { return f.Err }

type applied struct {
	component string
	old       []byte
	oldHash   string
}

// Run applies steps in order. A component whose manifest is already the
// target is left alone. When a step fails, every component changed or
// stopped so far is put back, newest first, and Run waits until they are
// healthy on their old manifests before returning a *Failure.
func (r *Rollout) Run(ctx context.Context, steps []Step) error {
	var done []applied
	stopped := map[string]applied{}
	// The hashes are read first, while every API server is still up.
	r.hashes = map[string]string{}
	for _, s := range steps {
		for _, c := range append([]string{s.Component}, s.StopFirst...) {
			if _, ok := r.hashes[c]; !ok {
				r.hashes[c], _ = r.Watcher.Hash(ctx, c) // unknown hash: wait on health alone
			}
		}
	}
	for _, s := range steps {
		prev, wasStopped := stopped[s.Component]
		cur := prev.old
		if !wasStopped {
			var err error
			if cur, err = r.Manifests.Read(s.Component); err != nil {
				return r.rollback(ctx, done, &Failure{Component: s.Component, Err: err})
			}
			if bytes.Equal(cur, s.Target) {
				r.infof("%s: manifest already up to date", s.Component)
				continue
			}
		}
		if s.Renew != nil {
			if err := s.Renew(); err != nil {
				return r.rollback(ctx, done, &Failure{Component: s.Component, Err: fmt.Errorf("renew certificates: %w", err)})
			}
		}
		for _, c := range s.StopFirst {
			a, err := r.stop(ctx, c)
			if a.old != nil {
				done = append(done, a)
				stopped[c] = a
			}
			if err != nil {
				return r.rollback(ctx, done, &Failure{Component: s.Component, Err: err})
			}
		}
		oldHash := prev.oldHash
		if !wasStopped {
			// Stopped, then rewritten: the kubelet starts a static Pod at
			// once only when no Pod of that name is still terminating, and
			// otherwise looks again 10 to 15 s later.
			a, err := r.stop(ctx, s.Component)
			if a.old != nil {
				done = append(done, a)
			}
			if err != nil {
				return r.rollback(ctx, done, &Failure{Component: s.Component, Err: err})
			}
			oldHash = a.oldHash
		}
		if err := r.Manifests.Write(s.Component, s.Target); err != nil {
			return r.rollback(ctx, done, &Failure{Component: s.Component, Err: err})
		}
		r.infof("%s: wrote the new manifest; waiting for it to run", s.Component)
		start := time.Now()
		changed := !bytes.Equal(cur, s.Target)
		accept := func(h string) bool { return h != "" && (h != oldHash || !changed) }
		if err := r.wait(ctx, s.Component, s.Target, accept); err != nil {
			return r.rollback(ctx, done, &Failure{Component: s.Component, Err: err})
		}
		r.infof("%s: upgraded and ready after %s", s.Component, time.Since(start).Round(10*time.Millisecond))
	}
	return nil
}

// keep backs up a component's current manifest and notes its hash.
func (r *Rollout) keep(ctx context.Context, component string, cur []byte) (applied, error) {
	path, err := r.Manifests.Backup(component, cur)
	if err != nil {
		return applied{}, err
	}
	oldHash, ok := r.hashes[component]
	if !ok {
		oldHash, _ = r.Watcher.Hash(ctx, component) // unknown hash: wait on health alone
	}
	r.infof("%s: previous manifest kept in %s", component, path)
	return applied{component: component, old: cur, oldHash: oldHash}, nil
}

// stop takes a component's manifest away after keeping it.
func (r *Rollout) stop(ctx context.Context, component string) (applied, error) {
	cur, err := r.Manifests.Read(component)
	if err != nil {
		return applied{}, err
	}
	a, err := r.keep(ctx, component, cur)
	if err != nil {
		return applied{}, err
	}
	if err := r.Manifests.Remove(component); err != nil {
		return a, err
	}
	r.hasten(ctx, component, a.oldHash)
	sctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	start := time.Now()
	if err := r.Watcher.WaitStopped(sctx, component, a.oldHash); err != nil {
		return a, err
	}
	r.infof("%s: stopped after %s", component, time.Since(start).Round(10*time.Millisecond))
	return a, nil
}

func (r *Rollout) wait(ctx context.Context, component string, manifest []byte, accept func(string) bool) error {
	wctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	err := r.Watcher.Wait(wctx, component, manifest, accept)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("not ready within %s: %w", r.Timeout, err)
	}
	return err
}

// rollback puts back the manifests of done, newest first; etcd's data is
// restored before its old manifest goes back. Then it waits, oldest first,
// for each component to be healthy on its old manifest.
func (r *Rollout) rollback(ctx context.Context, done []applied, f *Failure) error {
	if len(done) == 0 {
		return f
	}
	r.infof("%s did not come up (%v); rolling back", f.Component, f.Err)
	if r.RestoreEtcd != nil {
		f.Backup = r.Backup
	}
	for i := len(done) - 1; i >= 0; i-- {
		a := done[i]
		if a.component == constants.Etcd && r.RestoreEtcd != nil {
			if err := r.restoreEtcd(ctx); err != nil {
				f.RollbackErr = err
				return f
			}
			f.RestoredEtcd = true
		}
		if err := r.Manifests.Write(a.component, a.old); err != nil {
			f.RollbackErr = fmt.Errorf("put back the %s manifest: %w", a.component, err)
			return f
		}
		f.RolledBack = append(f.RolledBack, a.component)
		r.infof("%s: put the previous manifest back", a.component)
	}
	// etcd first: nothing else comes up without it.
	slices.SortStableFunc(done, func(a, b applied) int {
		return cmp.Compare(boolInt(a.component != constants.Etcd), boolInt(b.component != constants.Etcd))
	})
	for _, a := range done {
		oldHash := a.oldHash
		if err := r.wait(ctx, a.component, a.old, func(h string) bool { return oldHash == "" || h == oldHash }); err != nil {
			f.RollbackErr = fmt.Errorf("%s on its previous manifest: %w", a.component, err)
			return f
		}
		r.infof("%s: healthy again on the previous manifest", a.component)
	}
	return f
}

func (r *Rollout) restoreEtcd(ctx context.Context) error {
	if err := r.Manifests.Remove(constants.Etcd); err != nil {
		return fmt.Errorf("stop etcd for the restore: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	if err := r.Watcher.WaitStopped(sctx, constants.Etcd, ""); err != nil {
		return fmt.Errorf("wait for etcd to stop before the restore: %w", err)
	}
	if err := r.RestoreEtcd(ctx); err != nil {
		return fmt.Errorf("restore etcd data from the backup: %w", err)
	}
	r.infof("etcd: data restored from the backup taken before the upgrade")
	return nil
}

func (r *Rollout) hasten(ctx context.Context, component, oldHash string) {
	if h, ok := r.Watcher.(Hastener); ok && oldHash != "" {
		h.Hasten(ctx, component, oldHash)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (r *Rollout) infof(format string, args ...any) {
	if r.Infof != nil {
		r.Infof(format, args...)
	}
}
