package initflow

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

// preflightChecks are init's checks. resuming leaves out those that an
// earlier, interrupted init of this tool makes fail: its own manifests,
// etcd data and the ports its components hold.
func (d *Data) preflightChecks(resuming bool) []preflight.Check {
	h := d.Host
	checks := []preflight.Check{
		preflight.IsPrivilegedUser(h),
		preflight.NumCPU(h, 2),
		preflight.Mem(h, 1700),
		preflight.SystemVerification(h),
		preflight.Swap(h, d.kubeletSwap()),
		preflight.FileContent(h, "/proc/sys/net/ipv4/ip_forward", "1"),
		preflight.InPath(h, "iptables", true),
		preflight.InPath(h, "mount", true),
		preflight.InPath(h, "nsenter", true),
		preflight.InPath(h, "ethtool", false),
		preflight.InPath(h, "tc", false),
		preflight.CRIWith(d.cfg.Init.NodeRegistration.CRISocket, d.RuntimeAnswers),
		preflight.ContainerRuntimeVersionWith(d.cfg.Init.NodeRegistration.CRISocket, d.Runtime),
		kubeletVersionCheck(d.cfg.Cluster.KubernetesVersion),
	}
	if resuming {
		return checks
	}
	checks = append(checks, preflight.ControlPlanePorts(h, d.cfg.Cluster, d.cfg.Init.LocalAPIEndpoint)...)
	checks = append(checks, preflight.Port(h, "", 10250))
	for _, c := range []string{constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler, constants.Etcd} {
		checks = append(checks, preflight.FileAvailable(h, filepath.Join(d.KubernetesDir, constants.ManifestsSubDir, c+".yaml")))
	}
	if d.cfg.Cluster.Etcd.Local != nil {
		checks = append(checks, preflight.DirAvailable(h, d.cfg.Cluster.Etcd.Local.DataDir))
	}
	return checks
}

// kubeletSwap is what this node's kubelet will be told about swap: the
// KubeletConfiguration's failSwapOn (true unless given) and swapBehavior,
// with kubeletExtraArgs' --fail-swap-on over the former, as the kubelet
// reads them.
func (d *Data) kubeletSwap() preflight.KubeletSwap {
	k := preflight.KubeletSwap{Known: true, FailSwapOn: true}
	if kc := d.cfg.Kubelet; kc != nil {
		if kc.FailSwapOn != nil {
			k.FailSwapOn = *kc.FailSwapOn
		}
		k.Behavior = kc.MemorySwap.SwapBehavior
	}
	for _, a := range d.cfg.Init.NodeRegistration.KubeletExtraArgs {
		if a.Name == "fail-swap-on" {
			if v, err := strconv.ParseBool(a.Value); err == nil {
				k.FailSwapOn = v
			}
		}
	}
	return k
}

// kubeletVersionCheck fails when the kubelet is newer than the control
// plane or more than three minors older.
func kubeletVersionCheck(controlPlane string) preflight.Check {
	return preflight.Check{Name: "KubeletVersion", Run: func(ctx context.Context) ([]string, error) {
		out, err := exec.CommandContext(ctx, "kubelet", "--version").Output()
		if err != nil {
			return []string{"cannot run kubelet --version: " + err.Error()}, nil
		}
		fields := strings.Fields(string(out))
		if len(fields) < 2 {
			return nil, fmt.Errorf("cannot read the kubelet version from %q", strings.TrimSpace(string(out)))
		}
		kv, err := versions.Parse(fields[len(fields)-1])
		if err != nil {
			return nil, fmt.Errorf("kubelet version: %w", err)
		}
		cv, err := versions.Parse(controlPlane)
		if err != nil {
			return nil, err
		}
		if kv.Minor() > cv.Minor() {
			return nil, fmt.Errorf("the kubelet version %s is newer than the control plane version %s", kv, cv)
		}
		if kv.Minor()+3 < cv.Minor() {
			return nil, fmt.Errorf("the kubelet version %s is more than three minor versions older than the control plane version %s", kv, cv)
		}
		return nil, nil
	}}
}

func runPreflight(ctx context.Context, out progress.Phase, d *Data) error {
	resuming := d.resuming()
	if resuming {
		out.Infof("continuing an init of this node that stopped part-way; checks of its own files and ports are left out")
	}
	ignore := append(append([]string{}, d.IgnorePreflightErrors...), d.cfg.Init.NodeRegistration.IgnorePreflightErrors...)
	r := preflight.Run(ctx, d.preflightChecks(resuming), ignore)
	for _, w := range r.Warnings {
		out.Warnf("%s", w)
	}
	for _, i := range r.Ignored {
		out.Warnf("ignored: %s", i)
	}
	if err := r.Err(); err != nil {
		return err
	}
	if d.DryRun {
		return nil
	}
	return d.markInProgress()
}
