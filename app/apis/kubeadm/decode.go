package kubeadm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
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
	// Warnings are to be shown to the user: deprecated versions and, when
	// not strict, what was ignored.
	Warnings []string

	opts DecodeOptions

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

// DecodeOptions say how Decode treats what it does not know.
type DecodeOptions struct {
	// Strict refuses unknown fields, unknown kinds and documents of other
	// API groups, as upstream's `config validate` and `config migrate` do.
	// Otherwise each is a warning (naming the file, the document and the
	// field) and is ignored, as upstream's commands behind --config do.
	Strict bool
	// AllowExperimental reads the experimental kubeadm.k8s.io/v1 documents
	// (upstream's --allow-experimental-api).
	AllowExperimental bool
}

// Decode reads every document of a configuration file strictly. source
// names the file in errors.
func Decode(source string, data []byte) (*Documents, error) {
	return DecodeWith(source, data, DecodeOptions{Strict: true})
}

// DecodeLenient reads a configuration file as upstream's commands read
// --config: unknown fields, unknown kinds and foreign documents become
// warnings.
func DecodeLenient(source string, data []byte) (*Documents, error) {
	return DecodeWith(source, data, DecodeOptions{})
}

// document is one YAML document of a file and the file line it starts on.
type document struct {
	text  string
	first int // 1-based line of the file where the document starts
}

// splitDocuments cuts a file at its "---" lines as upstream's YAML reader
// (k8s.io/apimachinery's YAMLReader) does: a separator line may be followed
// by spaces or a comment only; a separator ends the document before it, or,
// with nothing before it, becomes the first line of the next one. Documents
// of blank or comment lines (or of "---" alone) are kept, for Decode to
// refuse as upstream does. Each document keeps its first line of the file.
func splitDocuments(data string) ([]document, error) {
	var docs []document
	var cur strings.Builder
	first, line := 1, 1
	for _, l := range strings.SplitAfter(data, "\n") {
		if strings.HasPrefix(l, "---") {
			rest := strings.TrimSpace(l[3:])
			if rest != "" && !strings.HasPrefix(rest, "#") {
				return nil, fmt.Errorf("line %d: invalid YAML document separator %q", line, strings.TrimRight(l, "\n"))
			}
			if cur.Len() > 0 {
				docs = append(docs, document{cur.String(), first})
				cur.Reset()
				line++
				first = line
				continue
			}
			// As upstream's reader, a separator with nothing before it
			// starts the next document ("---" is YAML's document start),
			// so that two in a row make a document of "---" alone.
		}
		cur.WriteString(l)
		line++
	}
	if cur.Len() > 0 {
		docs = append(docs, document{cur.String(), first})
	}
	return docs, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// fileLines rewrites the "line N" of a YAML error, which counts from the
// document's start, into a line of the file, and puts the error on one line.
func fileLines(err error, first int) string {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "unmarshal errors:\n", "")), " ")
	return yamlLine.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(m, "line "))
		return "line " + strconv.Itoa(n+first-1)
	})
}

// DecodeWith reads every document of a configuration file. Repeated keys,
// documents without apiVersion and kind, repeated kinds and unsupported
// kubeadm API versions are always errors that name the file, the document
// and the field; opts say what else is.
func DecodeWith(source string, data []byte, opts DecodeOptions) (*Documents, error) {
	docs := &Documents{opts: opts}
	split, err := splitDocuments(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	for i, raw := range split {
		where := fmt.Sprintf("%s, document %d", source, i+1)
		if strings.TrimSpace(stripComments(raw.text)) == "" {
			return nil, fmt.Errorf("%s (from line %d): apiVersion and kind must be set; it holds only blank lines or comments, which upstream refuses too (remove it or the \"---\" before it)", where, raw.first)
		}
		js, err := yaml.YAMLToJSONStrict([]byte(raw.text))
		if err != nil {
			return nil, fmt.Errorf("%s: not valid YAML: %s", where, fileLines(err, raw.first))
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
		converted, cpTimeout, warnings, err := convertV1beta3(tm.Kind, js)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		d.Warnings = append(d.Warnings, fmt.Sprintf("%s: %s is deprecated; convert the file with 'kubeadm config migrate --old-config <file> --new-config <new-file>'", where, V1beta3))
		for _, w := range warnings {
			d.Warnings = append(d.Warnings, where+": "+w)
		}
		if cpTimeout != nil {
			d.V1beta3ControlPlaneTimeout = cpTimeout
		}
		return d.addKubeadm(where, tm.Kind, converted)
	case gv == V1beta4:
		return d.addKubeadm(where, tm.Kind, js)
	case gv == V1:
		if !d.opts.AllowExperimental {
			return fmt.Errorf("%s: %s is experimental: pass --allow-experimental-api to read it, or use %s", where, gv, V1beta4)
		}
		d.Warnings = append(d.Warnings, fmt.Sprintf("%s: %s is experimental and may change", where, gv))
		return d.addKubeadm(where, tm.Kind, js)
	case gv == KubeletGroupV && tm.Kind == KindKubelet:
		if d.Kubelet != nil {
			return fmt.Errorf("%s: a second %s", where, tm.Kind)
		}
		d.Kubelet = &kubeletv1beta1.KubeletConfiguration{}
		d.KubeletRaw = js
		if err := d.decode(where, js, d.Kubelet); err != nil {
			return err
		}
		return validateKubelet(where, d.Kubelet)
	case gv == KubeProxyGroupV && tm.Kind == KindKubeProxy:
		if d.KubeProxy != nil {
			return fmt.Errorf("%s: a second %s", where, tm.Kind)
		}
		d.KubeProxy = &kubeproxyv1alpha1.KubeProxyConfiguration{}
		d.KubeProxyRaw = js
		return d.decode(where, js, d.KubeProxy)
	case strings.HasPrefix(gv, Group+"/"):
		return fmt.Errorf("%s: unknown version %s (supported: %s, and %s with a deprecation warning)", where, gv, V1beta4, V1beta3)
	}
	return d.unknown(fmt.Errorf("%s: unknown kind %s %s (allowed: %s %s|%s|%s|%s|%s, %s %s, %s %s)", where, gv, tm.Kind,
		V1beta4, KindInit, KindCluster, KindJoin, KindReset, KindUpgrade, KubeletGroupV, KindKubelet, KubeProxyGroupV, KindKubeProxy))
}

// unknown refuses a document Decode does not read or, when not strict,
// records it as ignored with a warning.
func (d *Documents) unknown(err error) error {
	if d.opts.Strict {
		return err
	}
	d.Warnings = append(d.Warnings, err.Error()+"; the document is ignored")
	return nil
}

// decode decodes one document: repeated fields are errors; unknown ones
// are errors when strict, warnings otherwise.
func (d *Documents) decode(where string, js []byte, out any) error {
	strictErrs, err := sigsjson.UnmarshalStrict(js, out, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	var msgs []string
	for _, e := range strictErrs {
		msgs = append(msgs, e.Error())
	}
	if len(msgs) == 0 {
		return nil
	}
	if d.opts.Strict || strings.Contains(strings.Join(msgs, ";"), "duplicate field") {
		return fmt.Errorf("%s: %s", where, strings.Join(msgs, "; "))
	}
	d.Warnings = append(d.Warnings, fmt.Sprintf("%s: %s (ignored)", where, strings.Join(msgs, "; ")))
	return nil
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
		return d.unknown(fmt.Errorf("%s: unknown kind %q in %s (allowed: %s, %s, %s, %s, %s)", where, kind, Group, KindInit, KindCluster, KindJoin, KindReset, KindUpgrade))
	}
	return d.decode(where, js, target)
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
