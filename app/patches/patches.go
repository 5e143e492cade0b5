// Package patches applies the user's --patches directory to what kubeadm
// writes: files named "<target>[suffix][+patchtype].{yaml,json}" for the
// targets etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
// kubeletconfiguration, corednsdeployment and kubeproxydaemonset, each
// holding one or more patches of type strategic (the default), merge or
// json, applied in file-name order.
package patches

import (
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"

	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"
)

// Targets are the names patch files may start with.
var Targets = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubeletconfiguration", "corednsdeployment", "kubeproxydaemonset"}

// Type is how a patch is applied.
type Type string

// The patch types.
const (
	Strategic Type = "strategic"
	Merge     Type = "merge"
	JSON      Type = "json"
)

// Patch is one patch document for a target.
type Patch struct {
	Target string
	Type   Type
	File   string
	Data   []byte // JSON
}

// Set is every patch of a directory.
type Set struct {
	patches []Patch
	// Ignored lists files that are not patch files, for a warning.
	Ignored []string
}

var fileName = regexp.MustCompile(`^(` + strings.Join(Targets, "|") + `)([^.+]*)(\+(strategic|merge|json))?\.(yaml|json)$`)

// Load reads dir. A file that starts like a target but is malformed (an
// unknown patch type, unparsable content) is an error naming it.
func Load(dir string) (*Set, error) {
	if dir == "" {
		return &Set{}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read patches directory: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	s := &Set{}
	for _, name := range names {
		m := fileName.FindStringSubmatch(name)
		if m == nil {
			if strings.Contains(name, "+") && hasTargetPrefix(name) {
				return nil, fmt.Errorf("patch file %s: the patch type after '+' must be strategic, merge or json", name)
			}
			s.Ignored = append(s.Ignored, name)
			continue
		}
		typ := Strategic
		if m[4] != "" {
			typ = Type(m[4])
		}
		data, err := atomicfile.Read(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read patch file %s: %w", name, err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			js, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				return nil, fmt.Errorf("patch file %s, document %d: %w", name, i+1, err)
			}
			s.patches = append(s.patches, Patch{Target: m[1], Type: typ, File: name, Data: js})
		}
	}
	return s, nil
}

func hasTargetPrefix(name string) bool {
	for _, t := range Targets {
		if strings.HasPrefix(name, t) {
			return true
		}
	}
	return false
}

// Apply patches obj (YAML or JSON) for target; dataStruct is the Go type of
// the object, used by strategic merge patches (e.g. &corev1.Pod{}). It
// returns the patched object as YAML and the files applied.
func (s *Set) Apply(target string, obj []byte, dataStruct any) ([]byte, []string, error) {
	if s == nil || len(s.patches) == 0 {
		return obj, nil, nil
	}
	js, err := yaml.YAMLToJSON(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("patch %s: %w", target, err)
	}
	var applied []string
	for _, p := range s.patches {
		if p.Target != target {
			continue
		}
		switch p.Type {
		case Strategic:
			js, err = strategicpatch.StrategicMergePatch(js, p.Data, dataStruct)
		case Merge:
			js, err = jsonpatch.MergePatch(js, p.Data)
		case JSON:
			var ops jsonpatch.Patch
			if ops, err = jsonpatch.DecodePatch(p.Data); err == nil {
				js, err = ops.Apply(js)
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("apply patch file %s to %s: %w", p.File, target, err)
		}
		applied = append(applied, p.File)
	}
	if len(applied) == 0 {
		return obj, nil, nil
	}
	out, err := yaml.JSONToYAML(js)
	return bytes.TrimLeft(out, "\n"), applied, err
}
