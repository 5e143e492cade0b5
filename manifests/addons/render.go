package addons

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// RenderYAML renders objects as one YAML stream, documents separated by
// "---" lines. Objects carry their apiVersion and kind, so the stream can be
// fed to kubectl apply as is.
func RenderYAML(objs ...runtime.Object) ([]byte, error) {
	var buf bytes.Buffer
	for i, obj := range objs {
		b, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("rendering %s as YAML: %w", describe(obj), err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// describe names an object for error messages, e.g. "ConfigMap kube-system/coredns".
func describe(obj runtime.Object) string {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if kind == "" {
		kind = fmt.Sprintf("%T", obj)
	}
	if m, ok := obj.(interface {
		GetNamespace() string
		GetName() string
	}); ok {
		if m.GetNamespace() != "" {
			return kind + " " + m.GetNamespace() + "/" + m.GetName()
		}
		return kind + " " + m.GetName()
	}
	return kind
}
