package kubeletstart

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	netutils "k8s.io/utils/net"
	"k8s.io/utils/ptr"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// Values kubeadm recommends for, or forces on, every kubelet.
const (
	kindKubelet = "KubeletConfiguration"

	// staticPodPath is where kubeadm writes control-plane manifests.
	staticPodPath = constants.KubernetesDir + "/" + constants.ManifestsSubDir
	// fallbackClusterDNS is used when the service subnet cannot be parsed.
	fallbackClusterDNS = "10.96.0.10"
	// dnsServiceIndex is the offset of the DNS Service IP in the subnet.
	dnsServiceIndex = 10

	healthzBindAddress  = "127.0.0.1"
	cgroupDriverSystemd = "systemd"
	// systemdResolvConf is the upstream resolver list that systemd-resolved
	// maintains; /etc/resolv.conf then points at a loopback stub.
	systemdResolvConf = "/run/systemd/resolve/resolv.conf"
)

// ClusterKubeletConfig returns the cluster-wide KubeletConfiguration: the
// user's document (nil for none) with kubeadm's defaults filled in. Like
// kubeadm, a user value that differs from the recommended one is kept and
// reported as a warning; only rotateCertificates is forced to true, since an
// explicit false cannot be told apart from an unset field. user is not
// modified. cluster must already carry its defaults (service subnet, DNS
// domain, certificates directory).
func ClusterKubeletConfig(cluster *kubeadm.ClusterConfiguration, user *kubeletv1beta1.KubeletConfiguration) (*kubeletv1beta1.KubeletConfiguration, []string, error) {
	if cluster == nil {
		return nil, nil, errors.New("kubelet configuration: no ClusterConfiguration given")
	}
	kc := &kubeletv1beta1.KubeletConfiguration{}
	if user != nil {
		kc = user.DeepCopy()
	}
	var w warnings

	if kc.FeatureGates == nil {
		kc.FeatureGates = map[string]bool{}
	}

	if kc.StaticPodPath == "" {
		kc.StaticPodPath = staticPodPath
	} else if kc.StaticPodPath != staticPodPath {
		w.add("staticPodPath", staticPodPath, kc.StaticPodPath)
	}

	dns := ClusterDNS(cluster.Networking.ServiceSubnet)
	if kc.ClusterDNS == nil {
		kc.ClusterDNS = []string{dns}
	} else if len(kc.ClusterDNS) != 1 || kc.ClusterDNS[0] != dns {
		w.add("clusterDNS", []string{dns}, kc.ClusterDNS)
	}

	domain := cluster.Networking.DNSDomain
	if kc.ClusterDomain == "" {
		kc.ClusterDomain = domain
	} else if domain != "" && kc.ClusterDomain != domain {
		w.add("clusterDomain", domain, kc.ClusterDomain)
	}

	// Only clients holding a certificate from the cluster CA may use the
	// kubelet API with certificate authentication.
	caFile := filepath.Join(cluster.CertificatesDir, constants.CACertAndKeyBaseName+".crt")
	x509 := &kc.Authentication.X509
	if x509.ClientCAFile == "" {
		x509.ClientCAFile = caFile
	} else if x509.ClientCAFile != caFile {
		w.add("authentication.x509.clientCAFile", caFile, x509.ClientCAFile)
	}

	anon := &kc.Authentication.Anonymous
	if anon.Enabled == nil {
		anon.Enabled = ptr.To(false)
	} else if *anon.Enabled {
		w.add("authentication.anonymous.enabled", false, true)
	}

	// Authorize every kubelet API request with a SubjectAccessReview.
	if kc.Authorization.Mode == "" {
		kc.Authorization.Mode = kubeletv1beta1.KubeletAuthorizationModeWebhook
	} else if kc.Authorization.Mode != kubeletv1beta1.KubeletAuthorizationModeWebhook {
		w.add("authorization.mode", kubeletv1beta1.KubeletAuthorizationModeWebhook, kc.Authorization.Mode)
	}

	// Accept bearer tokens (e.g. ServiceAccount tokens) via TokenReview.
	hook := &kc.Authentication.Webhook
	if hook.Enabled == nil {
		hook.Enabled = ptr.To(true)
	} else if !*hook.Enabled {
		w.add("authentication.webhook.enabled", true, false)
	}

	// kubeadm polls http://127.0.0.1:10248/healthz while waiting.
	if kc.HealthzBindAddress == "" {
		kc.HealthzBindAddress = healthzBindAddress
	} else if kc.HealthzBindAddress != healthzBindAddress {
		w.add("healthzBindAddress", healthzBindAddress, kc.HealthzBindAddress)
	}
	if kc.HealthzPort == nil {
		kc.HealthzPort = ptr.To[int32](constants.KubeletHealthzPort)
	} else if *kc.HealthzPort != constants.KubeletHealthzPort {
		w.add("healthzPort", constants.KubeletHealthzPort, *kc.HealthzPort)
	}

	// The insecure read-only port stays closed; it has no pointer type, so
	// only a non-zero value can be noticed.
	if kc.ReadOnlyPort != 0 {
		w.add("readOnlyPort", 0, kc.ReadOnlyPort)
	}

	kc.RotateCertificates = true

	if kc.CgroupDriver == "" {
		kc.CgroupDriver = cgroupDriverSystemd
	}
	return kc, w.list, nil
}

// ClusterDNS returns the cluster DNS Service IP for a serviceSubnet value
// (one CIDR, or a comma-separated dual-stack pair): the 10th address of the
// first subnet, as kubeadm does even for dual-stack clusters. When the
// first subnet cannot be parsed or is too small, it returns 10.96.0.10.
func ClusterDNS(serviceSubnet string) string {
	ip, err := dnsIP(serviceSubnet)
	if err != nil {
		return fallbackClusterDNS
	}
	return ip
}

func dnsIP(serviceSubnet string) (string, error) {
	subnets, err := netutils.ParseCIDRs(strings.Split(serviceSubnet, ","))
	if err != nil {
		return "", fmt.Errorf("parse service subnet %q: %w", serviceSubnet, err)
	}
	if len(subnets) == 0 {
		return "", fmt.Errorf("parse service subnet %q: no subnet", serviceSubnet)
	}
	ip, err := netutils.GetIndexedIP(subnets[0], dnsServiceIndex)
	if err != nil {
		return "", fmt.Errorf("DNS Service IP of %s: %w", subnets[0], err)
	}
	return ip.String(), nil
}

// warnings collects messages in the wording kubeadm logs when a user value
// differs from the recommended one.
type warnings struct{ list []string }

func (w *warnings) add(field string, recommended, given any) {
	w.list = append(w.list, fmt.Sprintf("The recommended value for %q in %q is: %v; the provided value is: %v",
		field, kindKubelet, recommended, given))
}
