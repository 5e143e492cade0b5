package upgradeflow

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/upgrade"
)

const controlPlaneLabel = "node-role.kubernetes.io/control-plane"

// ClusterState is what the API says about the cluster's versions and
// health. Maps go from node name to version (image tag).
type ClusterState struct {
	APIServer, ControllerManager, Scheduler, Etcd map[string]string
	Kubelets                                      map[string]string
	// ControlPlaneNodes are the nodes labelled as control planes.
	ControlPlaneNodes []string
	// NotReady are control-plane nodes that are not Ready.
	NotReady []string
	// Unready are control-plane mirror Pods that are not Ready.
	Unready []string
	// CoreDNS and KubeProxy are the addons' image tags, "" when absent.
	CoreDNS, KubeProxy string
}

// imageTag returns the tag of an image reference.
func imageTag(image string) string {
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return ""
	}
	return image[i+1:]
}

// ReadClusterState lists nodes, control-plane mirror Pods and addons.
func ReadClusterState(ctx context.Context, c clientset.Interface) (*ClusterState, error) {
	s := &ClusterState{APIServer: map[string]string{}, ControllerManager: map[string]string{}, Scheduler: map[string]string{},
		Etcd: map[string]string{}, Kubelets: map[string]string{}}
	nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	for _, n := range nodes.Items {
		s.Kubelets[n.Name] = n.Status.NodeInfo.KubeletVersion
		if _, ok := n.Labels[controlPlaneLabel]; !ok {
			continue
		}
		s.ControlPlaneNodes = append(s.ControlPlaneNodes, n.Name)
		if !nodeReady(&n) {
			s.NotReady = append(s.NotReady, n.Name)
		}
	}
	pods, err := c.CoreV1().Pods(constants.KubeSystemNamespace).List(ctx, metav1.ListOptions{LabelSelector: "tier=control-plane"})
	if err != nil {
		return nil, fmt.Errorf("list control-plane Pods in %s: %w", constants.KubeSystemNamespace, err)
	}
	byComponent := map[string]map[string]string{constants.KubeAPIServer: s.APIServer, constants.KubeControllerManager: s.ControllerManager,
		constants.KubeScheduler: s.Scheduler, constants.Etcd: s.Etcd}
	for _, p := range pods.Items {
		m, ok := byComponent[p.Labels["component"]]
		if !ok || len(p.Spec.Containers) == 0 {
			continue
		}
		m[p.Spec.NodeName] = imageTag(p.Spec.Containers[0].Image)
		if !podReady(&p) {
			s.Unready = append(s.Unready, p.Name)
		}
	}
	if d, err := c.AppsV1().Deployments(constants.KubeSystemNamespace).Get(ctx, "coredns", metav1.GetOptions{}); err == nil && len(d.Spec.Template.Spec.Containers) > 0 {
		s.CoreDNS = imageTag(d.Spec.Template.Spec.Containers[0].Image)
	}
	if ds, err := c.AppsV1().DaemonSets(constants.KubeSystemNamespace).Get(ctx, "kube-proxy", metav1.GetOptions{}); err == nil && len(ds.Spec.Template.Spec.Containers) > 0 {
		s.KubeProxy = imageTag(ds.Spec.Template.Spec.Containers[0].Image)
	}
	sort.Strings(s.ControlPlaneNodes)
	sort.Strings(s.NotReady)
	sort.Strings(s.Unready)
	return s, nil
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// MissingStaticPods lists, per control-plane node, the mirror Pods that
// are not there (etcd only with a local etcd).
func (s *ClusterState) MissingStaticPods(localEtcd bool) []string {
	var missing []string
	for _, n := range s.ControlPlaneNodes {
		for _, comp := range upgrade.Components(localEtcd) {
			m := map[string]map[string]string{constants.KubeAPIServer: s.APIServer, constants.KubeControllerManager: s.ControllerManager,
				constants.KubeScheduler: s.Scheduler, constants.Etcd: s.Etcd}[comp.Name]
			if _, ok := m[n]; !ok {
				missing = append(missing, comp.Name+"-"+n)
			}
		}
	}
	return missing
}

// APIServersNotAt lists the control-plane nodes whose API server does not
// run version v.
func (s *ClusterState) APIServersNotAt(v string) []string {
	var out []string
	for _, n := range s.ControlPlaneNodes {
		if s.APIServer[n] != v {
			out = append(out, n)
		}
	}
	return out
}

// PlanInput turns the state into the input of upgrade.Plan.
func (s *ClusterState) PlanInput(localEtcd bool) upgrade.PlanInput {
	return upgrade.PlanInput{APIServerVersions: s.APIServer, ControllerManagerVersions: s.ControllerManager, SchedulerVersions: s.Scheduler,
		KubeletVersions: s.Kubelets, EtcdVersions: s.Etcd, LocalEtcd: localEtcd, CoreDNSVersion: s.CoreDNS, KubeProxyVersion: s.KubeProxy}
}

// ClusterVersion is the newest API server version, the cluster's.
func (s *ClusterState) ClusterVersion() (string, error) {
	if len(s.APIServer) == 0 {
		return "", fmt.Errorf("no kube-apiserver mirror Pod found in %s: is this a kubeadm cluster?", constants.KubeSystemNamespace)
	}
	return upgrade.NewestVersion(s.APIServer)
}
