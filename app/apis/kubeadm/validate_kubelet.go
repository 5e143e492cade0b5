package kubeadm

import (
	"fmt"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
)

// swapBehaviors are the values the kubelet takes for memorySwap.swapBehavior.
var swapBehaviors = []string{"", "NoSwap", "LimitedSwap"}

// validateKubelet refuses the KubeletConfiguration values that would stop
// the kubelet at its start, long after init has written the node's files.
func validateKubelet(where string, kc *kubeletv1beta1.KubeletConfiguration) error {
	b := kc.MemorySwap.SwapBehavior
	for _, ok := range swapBehaviors {
		if b == ok {
			return nil
		}
	}
	return fmt.Errorf("%s: KubeletConfiguration memorySwap.swapBehavior %q is not valid: use NoSwap, LimitedSwap or leave it empty (NoSwap)", where, b)
}
