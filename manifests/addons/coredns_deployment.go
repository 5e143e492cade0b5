package addons

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Named container ports the CoreDNS probes refer to.
const (
	coreDNSLivenessPortName  = "liveness-probe"
	coreDNSReadinessPortName = "readiness-probe"
)

// coreDNSDeployment is the CoreDNS Deployment: pods spread over nodes where
// possible, allowed onto control-plane nodes (which are often the only nodes
// when the addon is installed), restricted to Linux, and resolving upstream
// names through the node's resolv.conf (dnsPolicy Default).
func coreDNSDeployment(image string, replicas int32) *appsv1.Deployment {
	maxUnavailable := intstr.FromInt32(1)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment"},
		ObjectMeta: meta(CoreDNSName, metav1.NamespaceSystem, coreDNSLabels()),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptrTo(replicas),
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxUnavailable},
			},
			Selector: &metav1.LabelSelector{MatchLabels: coreDNSLabels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: coreDNSLabels()},
				Spec: corev1.PodSpec{
					PriorityClassName:  "system-cluster-critical",
					ServiceAccountName: CoreDNSName,
					Affinity:           coreDNSAffinity(),
					Tolerations: []corev1.Toleration{
						{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
						{Key: controlPlaneTaintKey, Effect: corev1.TaintEffectNoSchedule},
					},
					NodeSelector: map[string]string{labelOS: nodeOSLinux},
					Containers:   []corev1.Container{coreDNSContainer(image)},
					DNSPolicy:    corev1.DNSDefault,
					Volumes: []corev1.Volume{{
						Name: coreDNSConfigVolumeName,
						VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: CoreDNSName},
							Items:                []corev1.KeyToPath{{Key: CoreDNSCorefileKey, Path: CoreDNSCorefileKey}},
						}},
					}},
				},
			},
		},
	}
}

// coreDNSAffinity prefers (but does not require) one replica per node.
func coreDNSAffinity() *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key:      labelK8sApp,
					Operator: metav1.LabelSelectorOpIn,
					Values:   []string{CoreDNSAppLabel},
				}}},
				TopologyKey: labelHostname,
			},
		}},
	}}
}

func coreDNSContainer(image string) corev1.Container {
	port := func(name string, n int32, proto corev1.Protocol) corev1.ContainerPort {
		return corev1.ContainerPort{Name: name, ContainerPort: n, Protocol: proto}
	}
	httpProbe := func(path, portName string) corev1.ProbeHandler {
		return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path:   path,
			Port:   intstr.FromString(portName),
			Scheme: corev1.URISchemeHTTP,
		}}
	}
	return corev1.Container{
		Name:            CoreDNSName,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("170Mi")},
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("100m"),
				corev1.ResourceMemory: resource.MustParse("70Mi"),
			},
		},
		Args: []string{"-conf", coreDNSConfigDir + "/" + CoreDNSCorefileKey},
		VolumeMounts: []corev1.VolumeMount{
			{Name: coreDNSConfigVolumeName, MountPath: coreDNSConfigDir, ReadOnly: true},
		},
		Ports: []corev1.ContainerPort{
			port("dns", coreDNSDNSPort, corev1.ProtocolUDP),
			port("dns-tcp", coreDNSDNSPort, corev1.ProtocolTCP),
			port("metrics", coreDNSMetricsPort, corev1.ProtocolTCP),
			port(coreDNSLivenessPortName, coreDNSLivenessPort, corev1.ProtocolTCP),
			port(coreDNSReadinessPortName, coreDNSReadinessPort, corev1.ProtocolTCP),
		},
		LivenessProbe: &corev1.Probe{
			ProbeHandler:        httpProbe("/health", coreDNSLivenessPortName),
			InitialDelaySeconds: 60,
			TimeoutSeconds:      5,
			SuccessThreshold:    1,
			FailureThreshold:    5,
		},
		ReadinessProbe: &corev1.Probe{ProbeHandler: httpProbe("/ready", coreDNSReadinessPortName)},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptrTo(false),
			Capabilities: &corev1.Capabilities{
				Add:  []corev1.Capability{"NET_BIND_SERVICE"},
				Drop: []corev1.Capability{"ALL"},
			},
			ReadOnlyRootFilesystem: ptrTo(true),
		},
	}
}
