package supervisor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// OCIRuntimeName is the name CRI-O's runtime_path points at on a bench
// node: a link to the bench binary, which then behaves as ClampedRuntime.
const OCIRuntimeName = "bench-runc"

// RealRuntime is the OCI runtime ClampedRuntime hands over to.
const RealRuntime = "/usr/sbin/runc"

// ClampedRuntime runs runc for CRI-O the way containerd's
// restrict_oom_score_adj does for containerd: the bench runs without
// CAP_SYS_RESOURCE, so an oom_score_adj below its own (CRI-O asks -998 for
// every sandbox) would make runc fail. The OCI spec of `create` and `run`
// (the bundle's config.json) and the process of `exec` (--process) are
// raised to the current value first, and their capabilities cut down to
// the bench's own bounding set. It only returns on failure.
func ClampedRuntime(args []string) error {
	own, err := ownOOMScoreAdj()
	if err != nil {
		return err
	}
	bounding, err := ownBoundingSet()
	if err != nil {
		return err
	}
	for _, f := range specFiles(args) {
		edits := []func([]byte) ([]byte, bool, error){
			func(doc []byte) ([]byte, bool, error) { return clampJSON(doc, f.field, own) },
			func(doc []byte) ([]byte, bool, error) { return capsWithin(doc, f.field[:len(f.field)-1], bounding) },
		}
		if f.field[0] == "process" {
			edits = append(edits, dropHugepageLimits)
		}
		if err := editFile(f.path, edits...); err != nil {
			return err
		}
	}
	argv := append([]string{RealRuntime}, args...)
	return syscall.Exec(RealRuntime, argv, os.Environ())
}

type specFile struct {
	path  string
	field []string // JSON path of oomScoreAdj
}

// specFiles finds the files of runc's command line that carry an
// oom_score_adj: --bundle's config.json and --process.
func specFiles(args []string) []specFile {
	var out []specFile
	value := func(i int, name string) (string, bool) {
		a := args[i]
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
		return "", false
	}
	for i := range args {
		for _, b := range []string{"--bundle", "-b"} {
			if v, ok := value(i, b); ok {
				out = append(out, specFile{filepath.Join(v, "config.json"), []string{"process", "oomScoreAdj"}})
			}
		}
		for _, p := range []string{"--process", "-p"} {
			if v, ok := value(i, p); ok {
				out = append(out, specFile{v, []string{"oomScoreAdj"}})
			}
		}
	}
	return out
}

// clampJSON returns doc with the number at field raised to min, and whether
// it changed. A missing field is left missing.
func clampJSON(doc []byte, field []string, min int) ([]byte, bool, error) {
	last := field[len(field)-1]
	return editObject(doc, field[:len(field)-1], func(obj map[string]json.RawMessage) (bool, error) {
		raw, ok := obj[last]
		if !ok {
			return false, nil
		}
		var v int
		if err := json.Unmarshal(raw, &v); err != nil {
			return false, fmt.Errorf("%s: %w", strings.Join(field, "."), err)
		}
		if v >= min {
			return false, nil
		}
		obj[last] = json.RawMessage(strconv.Itoa(min))
		return true, nil
	})
}

// dropHugepageLimits removes linux.resources.hugepageLimits from an OCI
// spec: CRI-O sets one for every huge page size the kernel offers, and
// runc then fails on a host whose hugetlb cgroup nodes cannot use (as on
// this bench's cgroup v1 hosts; containerd sets none unless asked).
func dropHugepageLimits(doc []byte) ([]byte, bool, error) {
	return editObject(doc, []string{"linux", "resources"}, func(obj map[string]json.RawMessage) (bool, error) {
		if _, ok := obj["hugepageLimits"]; !ok {
			return false, nil
		}
		delete(obj, "hugepageLimits")
		return true, nil
	})
}

// editObject applies edit to the JSON object at path inside doc (doc
// itself for an empty path) and, when edit changed it, returns doc with
// that object written back up the path. A path that is missing is left
// alone; one that is not an object is an error.
func editObject(doc []byte, path []string, edit func(map[string]json.RawMessage) (bool, error)) ([]byte, bool, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(doc, &root); err != nil {
		return nil, false, err
	}
	objs := []map[string]json.RawMessage{root}
	for _, k := range path {
		raw, ok := objs[len(objs)-1][k]
		if !ok {
			return doc, false, nil
		}
		var next map[string]json.RawMessage
		if err := json.Unmarshal(raw, &next); err != nil {
			return nil, false, fmt.Errorf("%s: %w", k, err)
		}
		objs = append(objs, next)
	}
	changed, err := edit(objs[len(objs)-1])
	if err != nil || !changed {
		return doc, false, err
	}
	for i := len(path) - 1; i >= 0; i-- {
		b, err := json.Marshal(objs[i+1])
		if err != nil {
			return nil, false, err
		}
		objs[i][path[i]] = b
	}
	out, err := json.Marshal(root)
	return out, true, err
}

// editFile rewrites the JSON file at path with the edits, in order, when
// one of them changes it: one read and at most one write.
func editFile(path string, edits ...func([]byte) ([]byte, bool, error)) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read OCI spec %s: %w", path, err)
	}
	changed := false
	for _, edit := range edits {
		out, c, err := edit(b)
		if err != nil {
			return fmt.Errorf("OCI spec %s: %w", path, err)
		}
		if c {
			b, changed = out, true
		}
	}
	if !changed {
		return nil
	}
	tmp := path + ".edit"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write OCI spec %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

func ownOOMScoreAdj() (int, error) {
	b, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		return 0, fmt.Errorf("read own oom_score_adj: %w", err)
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("read own oom_score_adj: %w", err)
	}
	return v, nil
}
