package addons

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// Host paths kube-proxy needs: the iptables lock shared with other users
// of xtables on the node, and the kernel modules it may load.
const (
	xtablesLockPath = "/run/xtables.lock"
	libModulesPath  = "/lib/modules"
)

// kubeProxyDaemonSet runs one privileged, host-network kube-proxy on every
// Linux node, tolerating every taint, and names each instance after its
// node.
func kubeProxyDaemonSet(image string) *appsv1.DaemonSet {
	container := corev1.Container{
		Name:            KubeProxyName,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command: []string{
			"/usr/local/bin/kube-proxy",
			"--config=" + KubeProxyConfigDir + "/" + KubeProxyConfigKey,
			"--hostname-override=$(NODE_NAME)",
		},
		SecurityContext: &corev1.SecurityContext{Privileged: ptrTo(true)},
		VolumeMounts: []corev1.VolumeMount{
			{Name: KubeProxyName, MountPath: KubeProxyConfigDir},
			{Name: "xtables-lock", MountPath: xtablesLockPath, ReadOnly: false},
			{Name: "lib-modules", MountPath: libModulesPath, ReadOnly: true},
		},
		Env: []corev1.EnvVar{{
			Name:      "NODE_NAME",
			ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}},
		}},
	}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "DaemonSet"},
		ObjectMeta: meta(KubeProxyName, metav1.NamespaceSystem, kubeProxyLabels()),
		Spec: appsv1.DaemonSetSpec{
			Selector:       &metav1.LabelSelector{MatchLabels: kubeProxyLabels()},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: kubeProxyLabels()},
				Spec: corev1.PodSpec{
					PriorityClassName:  "system-node-critical",
					Containers:         []corev1.Container{container},
					HostNetwork:        true,
					ServiceAccountName: KubeProxyName,
					Volumes: []corev1.Volume{
						{Name: KubeProxyName, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: constants.KubeProxyConfigMap},
						}}},
						{Name: "xtables-lock", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
							Path: xtablesLockPath,
							Type: ptrTo(corev1.HostPathFileOrCreate),
						}}},
						{Name: "lib-modules", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
							Path: libModulesPath,
						}}},
					},
					Tolerations:  []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					NodeSelector: map[string]string{labelOS: nodeOSLinux},
				},
			},
		},
	}
}
