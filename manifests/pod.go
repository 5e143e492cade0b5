package manifests

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// Values every control-plane static Pod shares with upstream's.
const (
	// probePortName names the container port the probes target.
	probePortName = "probe-port"
	// controlPlaneTier is the value of the "tier" label.
	controlPlaneTier = "control-plane"
	// systemNodeCritical is the priority class of the Pods and
	// systemNodeCriticalValue its value, set explicitly as upstream does.
	systemNodeCritical      = "system-node-critical"
	systemNodeCriticalValue = int32(2000001000)
	// probePeriodSeconds is the period of liveness and startup probes.
	probePeriodSeconds = 10
	// probeTimeoutSeconds is the timeout of every probe.
	probeTimeoutSeconds = 15
)

// staticPod wraps one container into a kube-system Pod on the host
// network, labelled with its component and tier, with its volumes sorted
// by name.
func staticPod(c corev1.Container, volumes map[string]corev1.Volume, annotations map[string]string) *corev1.Pod {
	priority := systemNodeCriticalValue
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        c.Name,
			Namespace:   constants.KubeSystemNamespace,
			Labels:      map[string]string{"component": c.Name, "tier": controlPlaneTier},
			Annotations: annotations,
		},
		Spec: corev1.PodSpec{
			Containers:        []corev1.Container{c},
			Priority:          &priority,
			PriorityClassName: systemNodeCritical,
			HostNetwork:       true,
			Volumes:           sortedVolumes(volumes),
			SecurityContext: &corev1.PodSecurityContext{
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
		},
	}
}

// cpuRequest is a container's resources: a CPU request only.
func cpuRequest(cpu string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)},
	}
}

// probePort is the single named container port the probes use.
func probePort(port int32) []corev1.ContainerPort {
	return []corev1.ContainerPort{{Name: probePortName, ContainerPort: port, Protocol: corev1.ProtocolTCP}}
}

// httpProbe is an HTTP GET on the probe port.
func httpProbe(host, path string, scheme corev1.URIScheme, initialDelay, failureThreshold, period int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{
			HTTPGet: &corev1.HTTPGetAction{
				Host:   host,
				Path:   path,
				Port:   intstr.FromString(probePortName),
				Scheme: scheme,
			},
		},
		InitialDelaySeconds: initialDelay,
		TimeoutSeconds:      probeTimeoutSeconds,
		FailureThreshold:    failureThreshold,
		PeriodSeconds:       period,
	}
}

// livenessProbe skips the first period and tolerates eight failures.
func livenessProbe(host, path string, scheme corev1.URIScheme) *corev1.Probe {
	return httpProbe(host, path, scheme, probePeriodSeconds, 8, probePeriodSeconds)
}

// readinessProbe starts at once and checks every second.
func readinessProbe(host, path string, scheme corev1.URIScheme) *corev1.Probe {
	return httpProbe(host, path, scheme, 0, 3, 1)
}

// startupProbe allows failures for as long as the health-check timeout.
func (o Options) startupProbe(host, path string, scheme corev1.URIScheme) *corev1.Probe {
	return httpProbe(host, path, scheme, probePeriodSeconds, o.startupFailureThreshold(), probePeriodSeconds)
}

// probeHost turns a bind address into a probe host: the unspecified
// addresses cannot be probed, so they become "" and the kubelet probes the
// Pod IP instead.
func probeHost(bindAddress string) string {
	if bindAddress == "0.0.0.0" || bindAddress == "::" {
		return ""
	}
	return bindAddress
}

// hostPathVolume is a hostPath volume of the given type.
func hostPathVolume(name, path string, pathType corev1.HostPathType) corev1.Volume {
	return corev1.Volume{
		Name: name,
		VolumeSource: corev1.VolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: path, Type: &pathType},
		},
	}
}

func sortedVolumes(m map[string]corev1.Volume) []corev1.Volume {
	out := make([]corev1.Volume, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sortedMounts(m map[string]corev1.VolumeMount) []corev1.VolumeMount {
	out := make([]corev1.VolumeMount, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
