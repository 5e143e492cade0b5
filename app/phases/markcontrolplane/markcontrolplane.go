// Package markcontrolplane labels and taints a control-plane Node: the
// node-role.kubernetes.io/control-plane and
// node.kubernetes.io/exclude-from-external-load-balancers labels, and the
// taints of nodeRegistration. It is done when the Node carries them; a
// re-run changes nothing.
package markcontrolplane

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// Labels are the labels of a control-plane node.
var Labels = map[string]string{constants.LabelNodeRoleControlPlane: "", constants.LabelExcludeFromLBs: ""}

// Apply returns node with the control-plane labels and taints added, and
// whether anything changed.
func Apply(node *corev1.Node, taints []corev1.Taint) bool {
	changed := false
	if node.Labels == nil {
		node.Labels = map[string]string{}
	}
	for k, v := range Labels {
		if cur, ok := node.Labels[k]; !ok || cur != v {
			node.Labels[k] = v
			changed = true
		}
	}
	for _, t := range taints {
		present := false
		for _, have := range node.Spec.Taints {
			if have.MatchTaint(&t) {
				present = true
				break
			}
		}
		if !present {
			node.Spec.Taints = append(node.Spec.Taints, t)
			changed = true
		}
	}
	return changed
}

// Mark waits for the Node to exist (the kubelet registers it), then labels
// and taints it.
func Mark(ctx context.Context, client clientset.Interface, nodeName string, taints []corev1.Taint) error {
	return apiclient.Retry(ctx, fmt.Sprintf("mark node %s as a control plane", nodeName), func(ctx context.Context) error {
		node, err := client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !Apply(node, taints) {
			return nil
		}
		_, err = client.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
}
