package upgrade

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

// Row names upstream's plan uses that differ from image names.
const (
	kubeletRow = "kubelet"
	coreDNSRow = "CoreDNS"
	kubeadmRow = "kubeadm"
)

// PlanInput is what `kubeadm upgrade plan` knows about the cluster. Maps
// go from node name to the version that node runs.
type PlanInput struct {
	// APIServerVersions are the kube-apiserver versions per control-plane
	// node; the newest is the cluster version. Required.
	APIServerVersions map[string]string
	// ControllerManagerVersions and SchedulerVersions default to
	// APIServerVersions when nil.
	ControllerManagerVersions map[string]string
	SchedulerVersions         map[string]string
	// KubeletVersions are the kubelet versions per node.
	KubeletVersions map[string]string
	// EtcdVersions are the local etcd image tags per control-plane node
	// (e.g. 3.6.8-0); ignored unless LocalEtcd.
	EtcdVersions map[string]string
	LocalEtcd    bool
	// CoreDNSVersion is the running CoreDNS tag; empty when there is none.
	CoreDNSVersion string
	// KubeProxyVersion is the running kube-proxy version; empty means the
	// cluster version, which is what upstream shows.
	KubeProxyVersion string
	// Target is the version to plan for; empty means this kubeadm's own
	// version, the newest in its table (no network lookups).
	Target string
	// Tool is this kubeadm's version; empty means versions.Tool.
	Tool string
	// ConfigVersions are the component config states, passed through.
	ConfigVersions []ComponentConfigVersionState
	// Policy holds --allow-experimental-upgrades and
	// --allow-release-candidate-upgrades; Force and KubeletVersions are
	// ignored (KubeletVersions comes from the field above).
	Policy PolicyOptions
}

// PlanOutput is the computed plan.
type PlanOutput struct {
	// ClusterVersion is the newest kube-apiserver version found.
	ClusterVersion string
	// Target is the version planned for, or empty when up to date.
	Target string
	// ApplyCommand is the command that performs the upgrade, e.g.
	// "kubeadm upgrade apply v1.37.1"; empty when up to date.
	ApplyCommand string
	// Warnings are notes for the user: skew policy violations apply will
	// need --force for, mixed API server versions, and the like.
	Warnings []string
	// Plan is the object printed by -o json|yaml.
	Plan UpgradePlan
}

// UpToDate reports whether no upgrade is available.
func (p *PlanOutput) UpToDate() bool { return len(p.Plan.AvailableUpgrades) == 0 }

// Plan computes what `kubeadm upgrade plan` shows. Like upstream it offers
// only versions newer than the cluster; unlike upstream it never asks the
// network for the latest release, and it refuses up front a target the
// version policy would refuse in any case.
func Plan(in PlanInput) (*PlanOutput, error) {
	tool := in.Tool
	if tool == "" {
		tool = versions.Tool
	}
	if len(in.APIServerVersions) == 0 {
		return nil, errors.New("no kube-apiserver versions given: the plan needs the version of every control-plane node")
	}
	cluster, clusterV, err := newest(in.APIServerVersions)
	if err != nil {
		return nil, err
	}
	out := &PlanOutput{ClusterVersion: cluster, Plan: UpgradePlan{ConfigVersions: in.ConfigVersions}}
	if vs := distinct(in.APIServerVersions); len(vs) > 1 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("the control-plane nodes run different kube-apiserver versions (%s): upgrade them all to %s",
			strings.Join(vs, ", "), cluster))
	}

	target := in.Target
	if target == "" {
		target = tool
	}
	targetV, err := versions.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("cannot plan an upgrade: %v", err)
	}
	if !clusterV.LessThan(targetV) {
		if in.Target == "" {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the cluster runs %s and this kubeadm %s offers nothing newer", cluster, tool))
		} else {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s is not newer than the cluster's %s: nothing to plan", target, cluster))
		}
		return out, nil
	}

	opts := in.Policy
	opts.Force = false
	opts.KubeletVersions = distinct(in.KubeletVersions)
	res := EvaluatePolicy(cluster, target, tool, opts)
	if len(res.Mandatory) > 0 {
		return nil, fmt.Errorf("no upgrade from %s to %s is possible: %s", cluster, target, joinErrors(res.Mandatory))
	}
	for _, e := range res.Skippable {
		out.Warnings = append(out.Warnings, e.Error()+" (kubeadm upgrade apply will need --force)")
	}

	out.Target = target
	out.ApplyCommand = applyCommand(target, targetV)
	out.Plan.AvailableUpgrades = []AvailableUpgrade{{
		Description: description(clusterV, targetV),
		Components:  components(in, cluster, target, tool, targetV),
	}}
	return out, nil
}

// components lists the plan's rows in upstream's order: kubelets (only
// when some kubelet is not already at target), kube-apiserver,
// kube-controller-manager, kube-scheduler, kube-proxy, CoreDNS, kubeadm,
// then local etcd.
func components(in PlanInput, cluster, target, tool string, targetV *version.Version) []ComponentUpgradePlan {
	var rows []ComponentUpgradePlan
	perNode := func(name string, m map[string]string, newVersion string) {
		for _, v := range distinct(m) {
			for _, node := range nodesAt(m, v) {
				rows = append(rows, ComponentUpgradePlan{Name: name, CurrentVersion: v, NewVersion: newVersion, NodeName: node})
			}
		}
	}
	if kv := distinct(in.KubeletVersions); len(kv) > 1 || (len(kv) == 1 && kv[0] != target) {
		perNode(kubeletRow, in.KubeletVersions, target)
	}
	perNode(constants.KubeAPIServer, in.APIServerVersions, target)
	perNode(constants.KubeControllerManager, orDefault(in.ControllerManagerVersions, in.APIServerVersions), target)
	perNode(constants.KubeScheduler, orDefault(in.SchedulerVersions, in.APIServerVersions), target)

	proxy := in.KubeProxyVersion
	if proxy == "" {
		proxy = cluster
	}
	rows = append(rows, ComponentUpgradePlan{Name: constants.KubeProxy, CurrentVersion: proxy, NewVersion: target})

	comps, tableErr := versions.For(target)
	newDNS := comps.CoreDNS
	if tableErr != nil {
		newDNS = in.CoreDNSVersion // the table knows nothing better
	}
	if in.CoreDNSVersion != "" || newDNS != "" {
		rows = append(rows, ComponentUpgradePlan{Name: coreDNSRow, CurrentVersion: in.CoreDNSVersion, NewVersion: newDNS})
	}

	newKubeadm := tool
	if toolV, err := versions.Parse(tool); err == nil && toolV.LessThan(targetV) {
		newKubeadm = target
	}
	rows = append(rows, ComponentUpgradePlan{Name: kubeadmRow, CurrentVersion: tool, NewVersion: newKubeadm})

	if in.LocalEtcd {
		newEtcd := comps.EtcdImageTag
		if tableErr != nil {
			newEtcd = "N/A"
		}
		perNode(constants.Etcd, in.EtcdVersions, newEtcd)
	}
	return rows
}

// description names the kind of upgrade as upstream's plan headings do.
func description(cluster, target *version.Version) string {
	pre := target.PreRelease()
	switch {
	case strings.HasPrefix(pre, "rc"):
		return "release candidate version"
	case pre != "":
		return "experimental version"
	case cluster.Major() == target.Major() && cluster.Minor() == target.Minor():
		return fmt.Sprintf("version in the v%d.%d series", target.Major(), target.Minor())
	}
	return "stable version"
}

// applyCommand is the command that performs an upgrade to target, with the
// flag a pre-release needs.
func applyCommand(target string, v *version.Version) string {
	cmd := "kubeadm upgrade apply " + target
	switch pre := v.PreRelease(); {
	case strings.HasPrefix(pre, "rc"):
		cmd += " --allow-release-candidate-upgrades"
	case pre != "":
		cmd += " --allow-experimental-upgrades"
	}
	return cmd
}

// newest returns the highest version in m.
func newest(m map[string]string) (string, *version.Version, error) {
	var best string
	var bestV *version.Version
	for _, s := range distinct(m) {
		v, err := versions.Parse(s)
		if err != nil {
			return "", nil, fmt.Errorf("cannot read the kube-apiserver version of %s: %v", strings.Join(nodesAt(m, s), ", "), err)
		}
		if bestV == nil || v.AtLeast(bestV) {
			best, bestV = s, v
		}
	}
	return best, bestV, nil
}

// distinct returns the sorted distinct values of m (string order, as
// upstream sorts its rows).
func distinct(m map[string]string) []string {
	var out []string
	for _, v := range m {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// nodesAt returns, sorted, the nodes of m that run v.
func nodesAt(m map[string]string, v string) []string {
	var out []string
	for node, nv := range m {
		if nv == v {
			out = append(out, node)
		}
	}
	slices.Sort(out)
	return out
}

func orDefault(m, def map[string]string) map[string]string {
	if m == nil {
		return def
	}
	return m
}

// NewestVersion returns the highest version among the values of m (node
// name to version), the cluster version when m holds the API servers.
func NewestVersion(m map[string]string) (string, error) {
	s, _, err := newest(m)
	return s, err
}
