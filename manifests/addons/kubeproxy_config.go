package addons

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// Paths kubeadm fixes inside the kube-proxy pod, where the kube-proxy
// ConfigMap is mounted.
const (
	KubeProxyConfigDir      = "/var/lib/kube-proxy"
	KubeProxyKubeconfigKey  = "kubeconfig.conf"
	KubeProxyKubeconfigPath = KubeProxyConfigDir + "/" + KubeProxyKubeconfigKey
)

// Bind addresses kubeadm recommends for kube-proxy, one per IP family.
const (
	proxyBindAddressV4 = "0.0.0.0"
	proxyBindAddressV6 = "::"
	kubeProxyKind      = "KubeProxyConfiguration"
)

// KubeProxyConfig returns the KubeProxyConfiguration kubeadm stores for
// cfg. advertiseAddress is the init node's (already defaulted) API server
// advertise address; its IP family picks the default bind address.
//
// userDoc, when not empty, is a KubeProxyConfiguration document (YAML or
// JSON, apiVersion kubeproxy.config.k8s.io/v1alpha1) the user supplied. It
// is decoded as-is, so every value it sets wins; kubeadm then only fills
// what is still empty. Where the user overrode a value kubeadm manages
// (bindAddress, clusterCIDR, clientConnection.kubeconfig) or used
// something discouraged, a warning is returned instead of printed. Unknown
// or duplicate fields in userDoc are warnings too, as upstream.
//
// The result has no kube-proxy defaults applied beyond kubeadm's own:
// upstream stores the configuration this sparse, leaving the rest to
// kube-proxy's defaulting at startup.
func KubeProxyConfig(cfg *kubeadm.ClusterConfiguration, advertiseAddress string, userDoc []byte) (*kubeproxyv1alpha1.KubeProxyConfiguration, []string, error) {
	pc := &kubeproxyv1alpha1.KubeProxyConfiguration{}
	var warnings []string
	if len(bytes.TrimSpace(userDoc)) > 0 {
		var err error
		if warnings, err = decodeKubeProxyConfig(userDoc, pc); err != nil {
			return nil, nil, err
		}
	}
	warnings = append(warnings, defaultKubeProxyConfig(pc, cfg, advertiseAddress)...)
	return pc, warnings, nil
}

// kubeProxyScheme knows only the kube-proxy configuration types and, like
// upstream's component-config scheme, has no defaulting functions.
var kubeProxyScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := kubeproxyv1alpha1.AddToScheme(s); err != nil {
		panic(fmt.Sprintf("registering kube-proxy config types: %v", err))
	}
	return s
}()

// decodeKubeProxyConfig decodes a user document into pc, returning strict
// decoding problems (unknown or duplicate fields) as warnings.
func decodeKubeProxyConfig(doc []byte, pc *kubeproxyv1alpha1.KubeProxyConfiguration) ([]string, error) {
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, fmt.Errorf("reading the KubeProxyConfiguration document: %w", err)
	}
	want := kubeproxyv1alpha1.SchemeGroupVersion
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading the KubeProxyConfiguration document: apiVersion %q: %w", tm.APIVersion, err)
	case gv.Group != want.Group:
		return nil, fmt.Errorf("the document of kind %q, apiVersion %q is not a %s", tm.Kind, tm.APIVersion, kubeProxyKind)
	case gv.Version != want.Version:
		return nil, fmt.Errorf("%s version %s is not supported: convert it to %s", kubeProxyKind, tm.APIVersion, want)
	case tm.Kind != kubeProxyKind:
		return nil, fmt.Errorf("kind %q of apiVersion %s is not a %s", tm.Kind, tm.APIVersion, kubeProxyKind)
	}

	dec := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, kubeProxyScheme, kubeProxyScheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
	_, _, err = dec.Decode(doc, nil, pc)
	if err == nil {
		return nil, nil
	}
	if strictErr, ok := runtime.AsStrictDecodingError(err); ok {
		var warnings []string
		for _, e := range strictErr.Errors() {
			warnings = append(warnings, fmt.Sprintf("%s document: %v", kubeProxyKind, e))
		}
		return warnings, nil
	}
	return nil, fmt.Errorf("decoding the KubeProxyConfiguration document: %w", err)
}

// defaultKubeProxyConfig fills what kubeadm manages and reports user
// overrides of it.
func defaultKubeProxyConfig(pc *kubeproxyv1alpha1.KubeProxyConfiguration, cfg *kubeadm.ClusterConfiguration, advertiseAddress string) []string {
	var warnings []string
	recommend := func(field string, recommended, provided any) {
		warnings = append(warnings, fmt.Sprintf("The recommended value for %q in %q is: %v; the provided value is: %v",
			field, kubeProxyKind, recommended, provided))
	}

	if pc.FeatureGates == nil {
		pc.FeatureGates = map[string]bool{}
	}

	switch bind := pc.BindAddress; {
	case bind == "":
		pc.BindAddress = bindAddressFor(advertiseAddress)
	case bind == proxyBindAddressV4 || bind == proxyBindAddressV6:
		// Either wildcard is an acceptable explicit choice.
	case parseIPSloppy(bind) == nil:
		warnings = append(warnings, fmt.Sprintf("The bindAddress %q in %q is not a valid IP address", bind, kubeProxyKind))
	default:
		recommend("bindAddress", bindAddressFor(bind), bind)
	}

	podSubnet := cfg.Networking.PodSubnet
	switch {
	case podSubnet == "":
	case pc.ClusterCIDR == "":
		pc.ClusterCIDR = podSubnet
	case pc.ClusterCIDR != podSubnet:
		recommend("clusterCIDR", podSubnet, pc.ClusterCIDR)
	}

	switch kc := pc.ClientConnection.Kubeconfig; {
	case kc == "":
		pc.ClientConnection.Kubeconfig = KubeProxyKubeconfigPath
	case kc != KubeProxyKubeconfigPath:
		recommend("clientConnection.kubeconfig", KubeProxyKubeconfigPath, kc)
	}

	switch pc.Mode {
	case "":
		// kube-proxy warns when no mode is set explicitly, so kubeadm pins
		// today's default.
		pc.Mode = kubeproxyv1alpha1.ProxyMode("iptables")
	case "ipvs":
		warnings = append(warnings, fmt.Sprintf("The %q field \"mode\" is set to \"ipvs\" which has been deprecated since version v1.35. "+
			"For newer Linux kernel versions, we recommend using the \"nftables\" mode, which has been GA since v1.33. "+
			"For older Linux kernel versions, you can use the \"iptables\" mode which is still the default one.", kubeProxyKind))
	}
	return warnings
}

// bindAddressFor returns the wildcard address of addr's IP family; anything
// that is not an IPv4 address (including an empty or invalid one) gets the
// IPv6 wildcard, as upstream.
func bindAddressFor(addr string) string {
	if ip := parseIPSloppy(addr); ip != nil && ip.To4() != nil {
		return proxyBindAddressV4
	}
	return proxyBindAddressV6
}

// MarshalKubeProxyConfig renders pc as the YAML document stored under
// config.conf in the kube-proxy ConfigMap, with apiVersion and kind set.
func MarshalKubeProxyConfig(pc *kubeproxyv1alpha1.KubeProxyConfiguration) ([]byte, error) {
	out := pc.DeepCopy()
	out.APIVersion = kubeproxyv1alpha1.SchemeGroupVersion.String()
	out.Kind = kubeProxyKind
	b, err := yaml.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("marshalling the KubeProxyConfiguration: %w", err)
	}
	return b, nil
}
