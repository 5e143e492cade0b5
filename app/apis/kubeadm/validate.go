package kubeadm

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

// KnownFeatureGates are kubeadm's own feature gates in this release.
var KnownFeatureGates = map[string]bool{"RootlessControlPlane": true}

// ValidateInit checks an InitConfiguration and its ClusterConfiguration and
// returns every problem with its field path.
func ValidateInit(ic *InitConfiguration, cc *ClusterConfiguration) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateNodeRegistration(&ic.NodeRegistration, field.NewPath("nodeRegistration"))...)
	errs = append(errs, validateAPIEndpoint(&ic.LocalAPIEndpoint, field.NewPath("localAPIEndpoint"))...)
	for i := range ic.BootstrapTokens {
		errs = append(errs, validateBootstrapTokenAt(&ic.BootstrapTokens[i], field.NewPath("bootstrapTokens").Index(i))...)
	}
	if ic.CertificateKey != "" {
		errs = append(errs, ValidateCertificateKey(ic.CertificateKey, field.NewPath("certificateKey"))...)
	}
	errs = append(errs, validateTimeouts(ic.Timeouts, field.NewPath("timeouts"))...)
	errs = append(errs, ValidateCluster(cc)...)
	return errs
}

// ValidateCluster checks a ClusterConfiguration.
func ValidateCluster(c *ClusterConfiguration) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateKubernetesVersion(c.KubernetesVersion, field.NewPath("kubernetesVersion"))...)
	net := field.NewPath("networking")
	errs = append(errs, validateCIDRs(c.Networking.ServiceSubnet, net.Child("serviceSubnet"), true)...)
	if c.Networking.PodSubnet != "" {
		podErrs := validateCIDRs(c.Networking.PodSubnet, net.Child("podSubnet"), false)
		if len(podErrs) == 0 {
			podErrs = validatePodSubnetNodeMask(c, net.Child("podSubnet"))
		}
		errs = append(errs, podErrs...)
	}
	for _, msg := range validation.IsDNS1123Subdomain(c.Networking.DNSDomain) {
		errs = append(errs, field.Invalid(net.Child("dnsDomain"), c.Networking.DNSDomain, msg))
	}
	if c.ControlPlaneEndpoint != "" {
		errs = append(errs, validateHostPort(c.ControlPlaneEndpoint, field.NewPath("controlPlaneEndpoint"))...)
	}
	if !filepath.IsAbs(c.CertificatesDir) {
		errs = append(errs, field.Invalid(field.NewPath("certificatesDir"), c.CertificatesDir, "must be an absolute path"))
	}
	if c.ImageRepository == "" || strings.ContainsAny(c.ImageRepository, " :@") && !strings.Contains(c.ImageRepository, "/") {
		errs = append(errs, field.Invalid(field.NewPath("imageRepository"), c.ImageRepository, "must be a registry host with an optional path, e.g. registry.k8s.io"))
	}
	for _, msg := range validation.IsDNS1123Subdomain(c.ClusterName) {
		errs = append(errs, field.Invalid(field.NewPath("clusterName"), c.ClusterName, msg))
	}
	switch c.EncryptionAlgorithm {
	case EncryptionAlgorithmRSA2048, EncryptionAlgorithmRSA3072, EncryptionAlgorithmRSA4096, EncryptionAlgorithmECDSAP256, EncryptionAlgorithmECDSAP384:
	default:
		errs = append(errs, field.NotSupported(field.NewPath("encryptionAlgorithm"), c.EncryptionAlgorithm,
			[]EncryptionAlgorithmType{EncryptionAlgorithmRSA2048, EncryptionAlgorithmRSA3072, EncryptionAlgorithmRSA4096, EncryptionAlgorithmECDSAP256, EncryptionAlgorithmECDSAP384}))
	}
	if p := c.CertificateValidityPeriod; p != nil && p.Duration <= 0 {
		errs = append(errs, field.Invalid(field.NewPath("certificateValidityPeriod"), p.Duration.String(), "must be a positive duration"))
	}
	if p := c.CACertificateValidityPeriod; p != nil && p.Duration <= 0 {
		errs = append(errs, field.Invalid(field.NewPath("caCertificateValidityPeriod"), p.Duration.String(), "must be a positive duration"))
	}
	for name := range c.FeatureGates {
		if !KnownFeatureGates[name] {
			errs = append(errs, field.NotSupported(field.NewPath("featureGates").Key(name), name, sortedKeys(KnownFeatureGates)))
		}
	}
	errs = append(errs, validateEtcd(&c.Etcd, field.NewPath("etcd"))...)
	errs = append(errs, validateComponent(&c.APIServer.ControlPlaneComponent, field.NewPath("apiServer"))...)
	for i, san := range c.APIServer.CertSANs {
		errs = append(errs, validateSAN(san, field.NewPath("apiServer", "certSANs").Index(i))...)
	}
	errs = append(errs, validateComponent(&c.ControllerManager, field.NewPath("controllerManager"))...)
	errs = append(errs, validateComponent(&c.Scheduler, field.NewPath("scheduler"))...)
	return errs
}

func validateKubernetesVersion(v string, p *field.Path) field.ErrorList {
	if _, err := versions.For(v); err != nil {
		return field.ErrorList{field.Invalid(p, v, "must be a version from "+versions.SupportedRange()+", e.g. "+versions.DefaultKubernetesVersion+", or one of the labels "+versions.Labels+" (resolved offline)")}
	}
	return nil
}

// validateCIDRs checks a comma-separated list of at most one IPv4 and one
// IPv6 CIDR. A service subnet may not be larger than 2^20 addresses.
func validateCIDRs(value string, p *field.Path, service bool) field.ErrorList {
	var errs field.ErrorList
	parts := strings.Split(value, ",")
	if len(parts) > 2 {
		return field.ErrorList{field.Invalid(p, value, "at most one IPv4 and one IPv6 CIDR, separated by a comma")}
	}
	families := map[bool]bool{}
	for _, s := range parts {
		_, n, err := net.ParseCIDR(strings.TrimSpace(s))
		if err != nil {
			errs = append(errs, field.Invalid(p, value, fmt.Sprintf("%q is not a CIDR like 10.96.0.0/12", s)))
			continue
		}
		v4 := n.IP.To4() != nil
		if families[v4] {
			errs = append(errs, field.Invalid(p, value, "two CIDRs of the same IP family"))
		}
		families[v4] = true
		ones, bits := n.Mask.Size()
		if service && bits-ones > 20 {
			errs = append(errs, field.Invalid(p, value, fmt.Sprintf("%s is too large: a service subnet may hold at most 2^20 addresses (e.g. /12 for IPv4, /108 for IPv6)", s)))
		}
	}
	return errs
}

// podSubnetNodeMaskMaxDiff is the most bits a node's pod range may be
// narrower than the pod subnet (2^16 node ranges), as upstream allows.
const podSubnetNodeMaskMaxDiff = 16

// validatePodSubnetNodeMask checks that each pod subnet holds at least one,
// and at most 2^16, of the node ranges kube-controller-manager carves from
// it: --node-cidr-mask-size-ipv4|-ipv6 (or --node-cidr-mask-size on a
// single-stack cluster), by default /24 for IPv4 and /64 for IPv6.
func validatePodSubnetNodeMask(c *ClusterConfiguration, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	subnets := strings.Split(c.Networking.PodSubnet, ",")
	for _, s := range subnets {
		_, n, _ := net.ParseCIDR(strings.TrimSpace(s))
		ones, bits := n.Mask.Size()
		v6 := bits == 128
		arg, nodeMask := "node-cidr-mask-size-ipv4", 24
		if v6 {
			arg, nodeMask = "node-cidr-mask-size-ipv6", 64
		}
		value, found := argValue(c.ControllerManager.ExtraArgs, arg)
		if !found && len(subnets) == 1 {
			arg = "node-cidr-mask-size"
			value, found = argValue(c.ControllerManager.ExtraArgs, arg)
		}
		if found {
			m, err := strconv.Atoi(value)
			if err != nil || m < 1 || m > bits {
				errs = append(errs, field.Invalid(field.NewPath("controllerManager", "extraArgs").Key(arg), value, "must be a mask size in bits, e.g. 24 for IPv4 or 64 for IPv6"))
				continue
			}
			nodeMask = m
		}
		switch {
		case ones > nodeMask:
			errs = append(errs, field.Invalid(p, s, fmt.Sprintf("the pod subnet (/%d) is smaller than one node's pod range (/%d, kube-controller-manager's --%s): use a pod subnet of /%d or larger", ones, nodeMask, arg, nodeMask)))
		case nodeMask-ones > podSubnetNodeMaskMaxDiff:
			errs = append(errs, field.Invalid(p, s, fmt.Sprintf("the pod subnet (/%d) holds more than 2^%d node ranges of /%d (kube-controller-manager's --%s): use /%d or smaller, or a larger node range", ones, podSubnetNodeMaskMaxDiff, nodeMask, arg, nodeMask-podSubnetNodeMaskMaxDiff)))
		}
	}
	return errs
}

// argValue is the value of the last extra argument of that name.
func argValue(args []Arg, name string) (string, bool) {
	for i := len(args) - 1; i >= 0; i-- {
		if args[i].Name == name {
			return args[i].Value, true
		}
	}
	return "", false
}

func validateHostPort(hp string, p *field.Path) field.ErrorList {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		host, port = hp, ""
		if strings.Count(hp, ":") == 1 || strings.HasPrefix(hp, "[") {
			return field.ErrorList{field.Invalid(p, hp, "must be host or host:port, e.g. lb.example.com:6443")}
		}
	}
	var errs field.ErrorList
	if net.ParseIP(host) == nil && len(validation.IsDNS1123Subdomain(host)) > 0 {
		errs = append(errs, field.Invalid(p, hp, "the host must be an IP address or a DNS name"))
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			errs = append(errs, field.Invalid(p, hp, "the port must be a number from 1 to 65535"))
		}
	}
	return errs
}

func validateAPIEndpoint(e *APIEndpoint, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if e.AdvertiseAddress != "" {
		ip := net.ParseIP(e.AdvertiseAddress)
		if ip == nil {
			errs = append(errs, field.Invalid(p.Child("advertiseAddress"), e.AdvertiseAddress, "must be an IP address"))
		} else if ip.IsUnspecified() || ip.IsLoopback() {
			errs = append(errs, field.Invalid(p.Child("advertiseAddress"), e.AdvertiseAddress, "must be an address other nodes can reach, not loopback or unspecified"))
		}
	}
	if e.BindPort < 1 || e.BindPort > 65535 {
		errs = append(errs, field.Invalid(p.Child("bindPort"), e.BindPort, "must be from 1 to 65535"))
	}
	return errs
}

func validateNodeRegistration(n *NodeRegistrationOptions, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n.Name != "" {
		for _, msg := range validation.IsDNS1123Subdomain(n.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), n.Name, msg))
		}
	}
	if n.CRISocket != "" {
		if u, err := url.Parse(n.CRISocket); err != nil || u.Scheme != "unix" || u.Path == "" {
			errs = append(errs, field.Invalid(p.Child("criSocket"), n.CRISocket, "must be a unix socket URL, e.g. unix:///run/containerd/containerd.sock"))
		}
	}
	for i, t := range n.Taints {
		tp := p.Child("taints").Index(i)
		for _, msg := range validation.IsQualifiedName(t.Key) {
			errs = append(errs, field.Invalid(tp.Child("key"), t.Key, msg))
		}
		switch t.Effect {
		case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			errs = append(errs, field.NotSupported(tp.Child("effect"), t.Effect, []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}))
		}
	}
	errs = append(errs, validateArgs(n.KubeletExtraArgs, p.Child("kubeletExtraArgs"))...)
	errs = append(errs, ValidateIgnorePreflightErrors(n.IgnorePreflightErrors, p.Child("ignorePreflightErrors"))...)
	switch n.ImagePullPolicy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		errs = append(errs, field.NotSupported(p.Child("imagePullPolicy"), n.ImagePullPolicy, []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}))
	}
	return errs
}

// MergeIgnorePreflightErrors joins the checks given by flag and by the
// configuration file, lower-cased and sorted without repeats, as upstream
// does, and refuses 'all' next to single checks.
func MergeIgnorePreflightErrors(fromFlag, fromFile []string) ([]string, error) {
	set := map[string]bool{}
	for _, s := range append(append([]string{}, fromFile...), fromFlag...) {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			set[s] = true
		}
	}
	list := sortedKeys(set)
	if errs := ValidateIgnorePreflightErrors(list, field.NewPath("ignore-preflight-errors")); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return list, nil
}

// ValidateIgnorePreflightErrors refuses "all" mixed with single checks.
func ValidateIgnorePreflightErrors(list []string, p *field.Path) field.ErrorList {
	all := false
	for _, s := range list {
		if strings.ToLower(s) == "all" {
			all = true
		}
	}
	if all && len(list) > 1 {
		return field.ErrorList{field.Invalid(p, strings.Join(list, ","), "'all' already ignores every check: give 'all' alone, or only the names of single checks")}
	}
	return nil
}

var argName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]*$`)

func validateArgs(args []Arg, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, a := range args {
		if strings.HasPrefix(a.Name, "-") {
			errs = append(errs, field.Invalid(p.Index(i).Child("name"), a.Name, "give the flag name without leading dashes, e.g. \"v\" for --v"))
		} else if !argName.MatchString(a.Name) {
			errs = append(errs, field.Invalid(p.Index(i).Child("name"), a.Name, "must be a flag name of letters, digits, '.', '_' and '-'"))
		}
	}
	return errs
}

func validateComponent(c *ControlPlaneComponent, p *field.Path) field.ErrorList {
	errs := validateArgs(c.ExtraArgs, p.Child("extraArgs"))
	names := map[string]bool{}
	for i, v := range c.ExtraVolumes {
		vp := p.Child("extraVolumes").Index(i)
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			errs = append(errs, field.Invalid(vp.Child("name"), v.Name, msg))
		}
		if names[v.Name] {
			errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
		}
		names[v.Name] = true
		if !filepath.IsAbs(v.HostPath) {
			errs = append(errs, field.Invalid(vp.Child("hostPath"), v.HostPath, "must be an absolute path"))
		}
		if !filepath.IsAbs(v.MountPath) {
			errs = append(errs, field.Invalid(vp.Child("mountPath"), v.MountPath, "must be an absolute path"))
		}
		switch v.PathType {
		case corev1.HostPathUnset, corev1.HostPathDirectoryOrCreate, corev1.HostPathDirectory, corev1.HostPathFileOrCreate,
			corev1.HostPathFile, corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev:
		default:
			errs = append(errs, field.Invalid(vp.Child("pathType"), v.PathType, "must be one of DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice"))
		}
	}
	for i, e := range c.ExtraEnvs {
		if len(validation.IsEnvVarName(e.Name)) > 0 {
			errs = append(errs, field.Invalid(p.Child("extraEnvs").Index(i).Child("name"), e.Name, "must be an environment variable name"))
		}
	}
	return errs
}

func validateSAN(san string, p *field.Path) field.ErrorList {
	if net.ParseIP(san) != nil {
		return nil
	}
	if strings.HasPrefix(san, "*.") {
		san = san[2:]
	}
	if len(validation.IsDNS1123Subdomain(san)) > 0 {
		return field.ErrorList{field.Invalid(p, san, "must be an IP address or a DNS name")}
	}
	return nil
}

func validateEtcd(e *Etcd, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if e.Local != nil && e.External != nil {
		return field.ErrorList{field.Invalid(p, "local and external", "set either etcd.local or etcd.external, not both")}
	}
	if l := e.Local; l != nil {
		if !filepath.IsAbs(l.DataDir) {
			errs = append(errs, field.Invalid(p.Child("local", "dataDir"), l.DataDir, "must be an absolute path"))
		}
		errs = append(errs, validateArgs(l.ExtraArgs, p.Child("local", "extraArgs"))...)
		for i, s := range l.ServerCertSANs {
			errs = append(errs, validateSAN(s, p.Child("local", "serverCertSANs").Index(i))...)
		}
		for i, s := range l.PeerCertSANs {
			errs = append(errs, validateSAN(s, p.Child("local", "peerCertSANs").Index(i))...)
		}
	}
	if x := e.External; x != nil {
		xp := p.Child("external")
		if len(x.Endpoints) == 0 {
			errs = append(errs, field.Required(xp.Child("endpoints"), "at least one etcd URL, e.g. https://10.0.0.1:2379"))
		}
		https := false
		for i, ep := range x.Endpoints {
			u, err := url.Parse(ep)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, field.Invalid(xp.Child("endpoints").Index(i), ep, "must be an http or https URL, e.g. https://10.0.0.1:2379"))
				continue
			}
			https = https || u.Scheme == "https"
		}
		if https {
			for name, v := range map[string]string{"caFile": x.CAFile, "certFile": x.CertFile, "keyFile": x.KeyFile} {
				if !filepath.IsAbs(v) {
					errs = append(errs, field.Invalid(xp.Child(name), v, "must be an absolute path when the endpoints use https"))
				}
			}
		}
	}
	return errs
}

var groupPattern = regexp.MustCompile(`^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$`)

func ValidateBootstrapToken(t *BootstrapToken) field.ErrorList {
	return validateBootstrapTokenAt(t, field.NewPath("token"))
}

func validateBootstrapTokenAt(t *BootstrapToken, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.TTL != nil && t.TTL.Duration < 0 {
		errs = append(errs, field.Invalid(p.Child("ttl"), t.TTL.Duration.String(), "must be 0 (never expires) or positive"))
	}
	for i, u := range t.Usages {
		if u != "signing" && u != "authentication" {
			errs = append(errs, field.NotSupported(p.Child("usages").Index(i), u, []string{"signing", "authentication"}))
		}
	}
	for i, g := range t.Groups {
		if !groupPattern.MatchString(g) {
			errs = append(errs, field.Invalid(p.Child("groups").Index(i), g, "must match "+groupPattern.String()))
		}
	}
	if len(t.Groups) > 0 && !slices.Contains(t.Usages, "authentication") {
		errs = append(errs, field.Invalid(p.Child("groups"), strings.Join(t.Groups, ","),
			"groups (by default system:bootstrappers:kubeadm:default-node-token) only apply to a token used for authentication: add \"authentication\" to the usages"))
	}
	return errs
}

var hexKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidateCertificateKey checks a --certificate-key: 32 bytes as 64 hex digits.
func ValidateCertificateKey(k string, p *field.Path) field.ErrorList {
	if !hexKey.MatchString(k) {
		return field.ErrorList{field.Invalid(p, "<redacted>", "must be 64 lower-case hexadecimal characters (a 32-byte AES key, see 'kubeadm certs certificate-key')")}
	}
	return nil
}

func validateTimeouts(t *Timeouts, p *field.Path) field.ErrorList {
	if t == nil {
		return nil
	}
	var errs field.ErrorList
	for _, d := range []struct {
		name string
		v    *metav1.Duration
	}{
		{"controlPlaneComponentHealthCheck", t.ControlPlaneComponentHealthCheck}, {"kubeletHealthCheck", t.KubeletHealthCheck},
		{"kubernetesAPICall", t.KubernetesAPICall}, {"etcdAPICall", t.EtcdAPICall}, {"tlsBootstrap", t.TLSBootstrap},
		{"discovery", t.Discovery}, {"upgradeManifests", t.UpgradeManifests},
	} {
		if d.v != nil && d.v.Duration < 0 {
			errs = append(errs, field.Invalid(p.Child(d.name), d.v.Duration.String(), "must not be negative"))
		}
	}
	return errs
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
