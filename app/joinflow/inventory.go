package joinflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
)

// portsFreeTimeout bounds the wait, once a failed join's static Pods were
// stopped, for their ports to be free again.
const portsFreeTimeout = 45 * time.Second

func (d *Data) inventoryFile() string {
	return filepath.Join(d.KubernetesDir, "tmp", constants.JoinInventoryFile)
}

// ownFiles are the files a join may write, or make the kubelet write: every
// file under the Kubernetes directory but its tmp directory (backups and
// state), and the kubelet's configuration, flags and certificates.
func (d *Data) ownFiles() ([]string, error) {
	var files []string
	tmp := filepath.Join(d.KubernetesDir, "tmp")
	err := filepath.WalkDir(d.KubernetesDir, func(p string, e fs.DirEntry, err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return err
		case e.IsDir() && p == tmp:
			return filepath.SkipDir
		case !e.IsDir():
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the files under %s: %w", d.KubernetesDir, err)
	}
	for _, f := range []string{constants.KubeletConfigFile, constants.KubeletFlagsEnvFile, constants.KubeletInstanceFile} {
		if _, err := os.Lstat(filepath.Join(d.KubeletDir, f)); err == nil {
			files = append(files, filepath.Join(d.KubeletDir, f))
		}
	}
	pki, _ := filepath.Glob(filepath.Join(d.KubeletDir, "pki", "*"))
	files = append(files, pki...)
	slices.Sort(files)
	return files, nil
}

// recordInventory lists, before a join's first write, the files the node
// already has (a caller such as Cluster API writes certificates before it
// joins). A continued join keeps the list of the run that began it.
func (d *Data) recordInventory() error {
	if _, err := os.Stat(d.inventoryFile()); err == nil {
		return nil
	}
	files, err := d.ownFiles()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for _, f := range files {
		b.WriteString(f + "\n")
	}
	return atomicfile.Write(d.inventoryFile(), b.Bytes(), 0o600)
}

// removeOwnFiles deletes, after a failed join, the files it wrote: its
// static Pods first, waiting until their ports are free, then the rest,
// then the state and inventory files, so that the same join starts afresh.
// Files the node had before the join stay. It returns how many it removed.
// Without the list (a join begun by another version) nothing is removed,
// and listed is false.
func (d *Data) removeOwnFiles(ctx context.Context) (n int, listed bool, err error) {
	b, err := os.ReadFile(d.inventoryFile())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read the list of files the node had before the join: %w", err)
	}
	before := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			before[l] = true
		}
	}
	files, err := d.ownFiles()
	if err != nil {
		return 0, true, err
	}
	var pods, rest []string
	for _, f := range files {
		switch {
		case before[f]:
		case filepath.Dir(f) == d.manifestsDir:
			pods = append(pods, f)
		default:
			rest = append(rest, f)
		}
	}
	for _, f := range pods {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, true, fmt.Errorf("remove %s: %w", f, err)
		}
		n++
	}
	if len(pods) > 0 && d.controlPlane() {
		if err := d.freePorts(ctx, pods); err != nil {
			return n, true, err
		}
	}
	for _, f := range append(rest, d.stateFile(), d.inventoryFile()) {
		err := os.Remove(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return n, true, fmt.Errorf("remove %s: %w", f, err)
		case f != d.stateFile() && f != d.inventoryFile():
			n++
		}
	}
	return n, true, nil
}

// kubeletStopGrace is how long the kubelet is given to stop the static
// Pods whose manifests a failed join removed, gracefully, before they are
// stopped through the container runtime (a variable for tests).
var kubeletStopGrace = 15 * time.Second

// freePorts waits until the control-plane ports of the static Pods whose
// manifests were removed can be bound again (etcd's, when its member was
// removed, is already stopped by discardLocalEtcd). The kubelet stops those Pods;
// when it does not within kubeletStopGrace (a join that failed in its TLS
// bootstrap leaves a kubelet that cannot start), they are stopped through
// the container runtime.
func (d *Data) freePorts(ctx context.Context, manifests []string) error {
	if d.waitPortsFree(ctx, kubeletStopGrace) == nil {
		return nil
	}
	var components []string
	for _, m := range manifests {
		components = append(components, strings.TrimSuffix(filepath.Base(m), ".yaml"))
	}
	if err := d.stopStaticPods(ctx, components); err != nil {
		return err
	}
	return d.waitPortsFree(ctx, portsFreeTimeout)
}

// stopStaticPods stops, through the node's container runtime, the static
// Pods of this node's components (their Pods are named <component>-<node>).
func (d *Data) stopStaticPods(ctx context.Context, components []string) error {
	var names []string
	for _, c := range components {
		names = append(names, c+"-"+d.join().NodeRegistration.Name)
	}
	return d.stopPods(ctx, names)
}

// stopPods stops, through the node's container runtime, the kube-system
// pod sandboxes with the given names.
func (d *Data) stopPods(ctx context.Context, podNames []string) error {
	sock := d.join().NodeRegistration.CRISocket
	c, err := d.Runtime(ctx, sock)
	if err != nil {
		return fmt.Errorf("stop the static Pods %s: %w", strings.Join(podNames, ", "), err)
	}
	defer c.Close()
	list, err := c.ListPodSandboxes(ctx)
	if err != nil {
		return fmt.Errorf("stop the static Pods %s: %w", strings.Join(podNames, ", "), err)
	}
	for _, s := range list {
		if s.Namespace != constants.KubeSystemNamespace || !slices.Contains(podNames, s.Name) {
			continue
		}
		if err := c.StopPodSandbox(ctx, s.ID); err != nil {
			return fmt.Errorf("stop pod %s through %s: %w", s, sock, err)
		}
	}
	return nil
}

// waitPortsFree waits up to timeout until the control-plane ports the
// join's static Pods held can be bound again.
func (d *Data) waitPortsFree(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	checks := preflight.ControlPlanePorts(d.Host, d.cluster, d.localEndpoint())
	for {
		var busy []string
		for _, c := range checks {
			if _, err := c.Run(ctx); err != nil {
				busy = append(busy, c.Name)
			}
		}
		if len(busy) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the control-plane ports %s are still in use after the static Pods were removed", strings.Join(busy, ", "))
		case <-time.After(250 * time.Millisecond):
		}
	}
}
