package kubeletstart

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestFlagsEnv(t *testing.T) {
	cpTaint := corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}
	tests := []struct {
		name           string
		nodeReg        kubeadm.NodeRegistrationOptions
		hostname       string
		registerTaints bool
		want           string
	}{
		{
			name:     "name-equals-hostname",
			nodeReg:  kubeadm.NodeRegistrationOptions{Name: "node-a", Taints: []corev1.Taint{cpTaint}},
			hostname: "node-a",
			want:     `KUBELET_KUBEADM_ARGS=""` + "\n",
		},
		{
			name:     "hostname-normalized",
			nodeReg:  kubeadm.NodeRegistrationOptions{Name: "node-a"},
			hostname: " Node-A\n",
			want:     `KUBELET_KUBEADM_ARGS=""` + "\n",
		},
		{
			name:     "name-differs-from-hostname",
			nodeReg:  kubeadm.NodeRegistrationOptions{Name: "worker-1"},
			hostname: "ip-10-0-0-5",
			want:     `KUBELET_KUBEADM_ARGS="--hostname-override=worker-1"` + "\n",
		},
		{
			name: "extra-args-override-and-add",
			nodeReg: kubeadm.NodeRegistrationOptions{
				Name: "worker-1",
				KubeletExtraArgs: []kubeadm.Arg{
					{Name: "node-ip", Value: "10.0.0.5"},
					{Name: "hostname-override", Value: "custom"},
					{Name: "v", Value: "4"},
				},
			},
			hostname: "ip-10-0-0-5",
			want:     `KUBELET_KUBEADM_ARGS="--node-ip=10.0.0.5 --hostname-override=custom --v=4"` + "\n",
		},
		{
			name: "join-worker-taints",
			nodeReg: kubeadm.NodeRegistrationOptions{
				Name: "worker-1",
				Taints: []corev1.Taint{
					{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule},
					cpTaint,
				},
				KubeletExtraArgs: []kubeadm.Arg{{Name: "max-pods", Value: "50"}},
			},
			hostname:       "ip-10-0-0-5",
			registerTaints: true,
			want: `KUBELET_KUBEADM_ARGS="--hostname-override=worker-1 ` +
				`--register-with-taints=dedicated=gpu:NoSchedule,node-role.kubernetes.io/control-plane:NoSchedule ` +
				`--max-pods=50"` + "\n",
		},
		{
			name: "quoting",
			nodeReg: kubeadm.NodeRegistrationOptions{
				Name:             "node-a",
				KubeletExtraArgs: []kubeadm.Arg{{Name: "node-labels", Value: `a="b"`}},
			},
			hostname: "node-a",
			want:     `KUBELET_KUBEADM_ARGS="--node-labels=a=\"b\""` + "\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FlagsEnv(&tc.nodeReg, tc.hostname, tc.registerTaints)
			if string(got) != tc.want {
				t.Errorf("FlagsEnv:\n got %q\nwant %q", got, tc.want)
			}
			checkGolden(t, "flags-"+tc.name, got)
		})
	}
}

func TestNodeName(t *testing.T) {
	nr := &kubeadm.NodeRegistrationOptions{KubeletExtraArgs: []kubeadm.Arg{
		{Name: "hostname-override", Value: "first"},
		{Name: "hostname-override", Value: "last"},
	}}
	if got := NodeName(nr, "host"); got != "last" {
		t.Errorf("NodeName = %q, want the last hostname-override", got)
	}
	if got := NodeName(nil, "Host"); got != "host" {
		t.Errorf("NodeName(nil) = %q, want %q", got, "host")
	}
}
