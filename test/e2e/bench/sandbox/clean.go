package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// CleanAll removes every bench resource on the host, with or without a
// cluster record: processes in the bench's cgroups, veths, host routes to pod
// subnets, the bridge, state directories, mount points and cgroups. The
// artifact cache is kept.
func CleanAll(ctx context.Context) error {
	var errs []error
	errs = append(errs, cgroupKill(cgroupParent, 60*time.Second))
	ifaces, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, i := range ifaces {
		if strings.HasPrefix(i.Name, vethPrefix) {
			if _, err := hostexec.Run(ctx, "ip", "link", "del", i.Name); err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, removeHostRoutes(ctx), removeBridge(ctx))
	entries, _ := os.ReadDir(StateRoot())
	for _, e := range entries {
		if e.IsDir() {
			errs = append(errs, os.RemoveAll(filepath.Join(StateRoot(), e.Name())))
		}
	}
	errs = append(errs, removeMountpoints(), cgroupRemove(cgroupParent))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.Remove(StateRoot()); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", StateRoot(), err)
	}
	return nil
}

// removeHostRoutes deletes host routes into the pod network via nodes.
func removeHostRoutes(ctx context.Context) error {
	out, err := hostexec.Run(ctx, "ip", "-o", "route", "show", "root", PodNetwork)
	if err != nil {
		return err
	}
	var errs []error
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			if _, err := hostexec.Run(ctx, "ip", "route", "del", f[0]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Leftovers lists every trace of the bench on the host: processes in its
// cgroups, cgroups, links, routes, mounts of its state directories, host
// iptables rules naming its networks, state directories and mount points it
// created. An empty list means the host is as it was.
func Leftovers(ctx context.Context) ([]string, error) {
	var found []string
	pids, err := cgroupPIDs(cgroupParent)
	if err != nil {
		return nil, err
	}
	for _, p := range pids {
		found = append(found, fmt.Sprintf("process %d in the bench's cgroups", p))
	}
	dirs, err := cgroupTree(cgroupParent)
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		found = append(found, "cgroup "+d)
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for _, i := range ifaces {
		if i.Name == BridgeName || strings.HasPrefix(i.Name, vethPrefix) {
			found = append(found, "link "+i.Name)
		}
	}
	routes, err := hostexec.Run(ctx, "ip", "-o", "route", "show")
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(routes, "\n") {
		if strings.Contains(l, "10.244.") || strings.Contains(l, "10.200.0.") {
			found = append(found, "route "+strings.TrimSpace(l))
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(string(mounts), "\n") {
		if strings.Contains(l, StateRoot()) {
			found = append(found, "mount "+l)
		}
	}
	for _, bin := range []string{"iptables-save", "ip6tables-save"} {
		rules, err := hostexec.Run(ctx, bin)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(rules, "\n") {
			if strings.Contains(l, "10.244.") || strings.Contains(l, "10.200.0.") || strings.Contains(l, BridgeName) || strings.Contains(l, "KUBE-") || strings.Contains(l, "CNI-") {
				found = append(found, "iptables rule "+l)
			}
		}
	}
	if _, err := os.Stat(StateRoot()); err == nil {
		found = append(found, "state directory "+StateRoot())
	}
	for _, d := range readMountpoints() {
		if _, err := os.Stat(d); err == nil {
			found = append(found, "mount point "+d)
		}
	}
	return found, nil
}
