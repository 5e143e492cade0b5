package kubeadm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Documents are the configuration documents of one file.
type Documents struct {
	Init      *InitConfiguration
	Cluster   *ClusterConfiguration
	Join      *JoinConfiguration
	Reset     *ResetConfiguration
	Upgrade   *UpgradeConfiguration
	Kubelet   *kubeletv1beta1.KubeletConfiguration
	KubeProxy *kubeproxyv1alpha1.KubeProxyConfiguration
	// KubeProxyRaw is the KubeProxyConfiguration document as JSON, for
	// code that must tell fields the user set from defaults.
	KubeProxyRaw []byte
	// KubeletRaw is the KubeletConfiguration document as JSON, for code
	// that must keep only the fields the user set (config migrate).
	KubeletRaw []byte
	// Warnings are to be shown to the user (deprecated versions).
	Warnings []string

	// V1beta3ControlPlaneTimeout is a v1beta3 ClusterConfiguration's
	// apiServer.timeoutForControlPlane. Decode moves it into the Init and
	// Join documents of the file (timeouts.controlPlaneComponentHealthCheck,
	// as upstream converts it); a caller that makes up an InitConfiguration
	// for a file without one applies it there.
	V1beta3ControlPlaneTimeout *metav1.Duration
}

// oldVersions are kubeadm API versions no longer read, with the release
// that last read them.
var oldVersions = map[string]string{
	"kubeadm.k8s.io/v1alpha1": "v1.11", "kubeadm.k8s.io/v1alpha2": "v1.12", "kubeadm.k8s.io/v1alpha3": "v1.14",
	"kubeadm.k8s.io/v1beta1": "v1.15", "kubeadm.k8s.io/v1beta2": "v1.22",
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// Decode reads every document of a configuration file. source names the
// file in errors. Unknown kinds, unknown fields, repeated kinds and
// unsupported versions are errors that name the file, the document and the
// field.
func Decode(source string, data []byte) (*Documents, error) {
	docs := &Documents{}
	for i, raw := range docSeparator.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(raw)) == "" {
			continue
		}
		where := fmt.Sprintf("%s, document %d", source, i+1)
		js, err := yaml.YAMLToJSON([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: not valid YAML: %w", where, err)
		}
		var tm metav1.TypeMeta
		if err := json.Unmarshal(js, &tm); err != nil {
			return nil, fmt.Errorf("%s: not a configuration object: %w", where, err)
		}
		if tm.APIVersion == "" || tm.Kind == "" {
			return nil, fmt.Errorf("%s: apiVersion and kind must be set", where)
		}
		where += " (" + tm.Kind + ")"
		if err := docs.add(where, tm, js); err != nil {
			return nil, err
		}
	}
	docs.moveV1beta3Timeout()
	return docs, nil
}

// moveV1beta3Timeout puts a v1beta3 apiServer.timeoutForControlPlane where
// v1beta4 keeps it: timeouts.controlPlaneComponentHealthCheck of the
// InitConfiguration and JoinConfiguration, unless they set their own.
func (d *Documents) moveV1beta3Timeout() {
	if d.V1beta3ControlPlaneTimeout == nil {
		return
	}
	for _, timeouts := range []**Timeouts{initTimeouts(d.Init), joinTimeouts(d.Join)} {
		if timeouts != nil {
			*timeouts = WithControlPlaneTimeout(*timeouts, d.V1beta3ControlPlaneTimeout)
		}
	}
}

// WithControlPlaneTimeout returns t with controlPlaneComponentHealthCheck
// set to cp unless t sets it already.
func WithControlPlaneTimeout(t *Timeouts, cp *metav1.Duration) *Timeouts {
	if cp == nil {
		return t
	}
	if t == nil {
		t = &Timeouts{}
	}
	if t.ControlPlaneComponentHealthCheck == nil {
		t.ControlPlaneComponentHealthCheck = &metav1.Duration{Duration: cp.Duration}
	}
	return t
}

func initTimeouts(c *InitConfiguration) **Timeouts {
	if c == nil {
		return nil
	}
	return &c.Timeouts
}

func joinTimeouts(c *JoinConfiguration) **Timeouts {
	if c == nil {
		return nil
	}
	return &c.Timeouts
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func (d *Documents) add(where string, tm metav1.TypeMeta, js []byte) error {
	gv := tm.APIVersion
	if last, old := oldVersions[gv]; old {
		return fmt.Errorf("%s: %s is no longer supported (last read by kubeadm %s); use %s", where, gv, last, V1beta4)
	}
	switch {
	case gv == V1beta3:
		converted, cpTimeout, err := convertV1beta3(tm.Kind, js)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		d.Warnings = append(d.Warnings, fmt.Sprintf("%s: %s is deprecated; convert the file with 'kubeadm config migrate --old-config <file> --new-config <new-file>'", where, V1beta3))
		if cpTimeout != nil {
			d.V1beta3ControlPlaneTimeout = cpTimeout
		}
		return d.addKubeadm(where, tm.Kind, converted)
	case gv == V1beta4:
		return d.addKubeadm(where, tm.Kind, js)
	case gv == KubeletGroupV && tm.Kind == KindKubelet:
		if d.Kubelet != nil {
			return fmt.Errorf("%s: a second %s", where, tm.Kind)
		}
		d.Kubelet = &kubeletv1beta1.KubeletConfiguration{}
		d.KubeletRaw = js
		return strictDecode(where, js, d.Kubelet)
	case gv == KubeProxyGroupV && tm.Kind == KindKubeProxy:
		if d.KubeProxy != nil {
			return fmt.Errorf("%s: a second %s", where, tm.Kind)
		}
		d.KubeProxy = &kubeproxyv1alpha1.KubeProxyConfiguration{}
		d.KubeProxyRaw = js
		return strictDecode(where, js, d.KubeProxy)
	case strings.HasPrefix(gv, Group+"/"):
		return fmt.Errorf("%s: unknown version %s (supported: %s, and %s with a deprecation warning)", where, gv, V1beta4, V1beta3)
	}
	return fmt.Errorf("%s: unknown kind %s %s (allowed: %s %s|%s|%s|%s|%s, %s %s, %s %s)", where, gv, tm.Kind,
		V1beta4, KindInit, KindCluster, KindJoin, KindReset, KindUpgrade, KubeletGroupV, KindKubelet, KubeProxyGroupV, KindKubeProxy)
}

func (d *Documents) addKubeadm(where, kind string, js []byte) error {
	var target any
	switch kind {
	case KindInit:
		if d.Init != nil {
			return fmt.Errorf("%s: a second %s", where, kind)
		}
		d.Init = &InitConfiguration{}
		target = d.Init
	case KindCluster:
		if d.Cluster != nil {
			return fmt.Errorf("%s: a second %s", where, kind)
		}
		d.Cluster = &ClusterConfiguration{}
		target = d.Cluster
	case KindJoin:
		if d.Join != nil {
			return fmt.Errorf("%s: a second %s", where, kind)
		}
		d.Join = &JoinConfiguration{}
		target = d.Join
	case KindReset:
		if d.Reset != nil {
			return fmt.Errorf("%s: a second %s", where, kind)
		}
		d.Reset = &ResetConfiguration{}
		target = d.Reset
	case KindUpgrade:
		if d.Upgrade != nil {
			return fmt.Errorf("%s: a second %s", where, kind)
		}
		d.Upgrade = &UpgradeConfiguration{}
		target = d.Upgrade
	default:
		return fmt.Errorf("%s: unknown kind %q in %s (allowed: %s, %s, %s, %s, %s)", where, kind, Group, KindInit, KindCluster, KindJoin, KindReset, KindUpgrade)
	}
	if err := strictDecode(where, js, target); err != nil {
		return err
	}
	return nil
}

// strictDecode decodes js into out and refuses unknown and duplicate fields,
// naming each by its path.
func strictDecode(where string, js []byte, out any) error {
	strictErrs, err := sigsjson.UnmarshalStrict(js, out, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if len(strictErrs) > 0 {
		var msgs []string
		for _, e := range strictErrs {
			msgs = append(msgs, e.Error())
		}
		return fmt.Errorf("%s: %s", where, strings.Join(msgs, "; "))
	}
	return nil
}

// Encode writes objects as a multi-document YAML file.
func Encode(objs ...any) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
