package supervisor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSpecFiles(t *testing.T) {
	cases := []struct {
		args []string
		want []specFile
	}{
		{[]string{"--version"}, nil},
		{[]string{"--root", "/run/runc", "create", "--bundle", "/b", "--pid-file", "/p", "id"},
			[]specFile{{"/b/config.json", []string{"process", "oomScoreAdj"}}}},
		{[]string{"create", "--bundle=/b", "id"}, []specFile{{"/b/config.json", []string{"process", "oomScoreAdj"}}}},
		{[]string{"exec", "-d", "--process", "/x/process.json", "id"}, []specFile{{"/x/process.json", []string{"oomScoreAdj"}}}},
		{[]string{"create", "--bundle"}, nil},
	}
	for _, c := range cases {
		if got := specFiles(c.args); !reflect.DeepEqual(got, c.want) {
			t.Errorf("specFiles(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

func TestClampJSON(t *testing.T) {
	spec := []string{"process", "oomScoreAdj"}
	cases := []struct {
		name    string
		doc     string
		field   []string
		changed bool
		want    any // the value at field afterwards, nil when absent
	}{
		{"lowered to min", `{"ociVersion":"1.0.2","process":{"args":["/pause"],"oomScoreAdj":-998},"root":{"path":"rootfs"}}`, spec, true, float64(0)},
		{"already above", `{"process":{"oomScoreAdj":1000}}`, spec, false, float64(1000)},
		{"absent", `{"process":{"args":["x"]}}`, spec, false, nil},
		{"no process", `{"root":{}}`, spec, false, nil},
		{"exec process", `{"args":["sh"],"oomScoreAdj":-997}`, []string{"oomScoreAdj"}, true, float64(0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, changed, err := clampJSON([]byte(c.doc), c.field, 0)
			if err != nil {
				t.Fatal(err)
			}
			if changed != c.changed {
				t.Fatalf("changed = %v, want %v", changed, c.changed)
			}
			var doc map[string]any
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			var got any = doc
			for _, k := range c.field {
				m, _ := got.(map[string]any)
				got = m[k]
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("value = %v, want %v in %s", got, c.want, out)
			}
			if c.name == "lowered to min" {
				p := doc["process"].(map[string]any)
				if !reflect.DeepEqual(p["args"], []any{"/pause"}) || doc["ociVersion"] != "1.0.2" {
					t.Fatalf("other fields lost: %s", out)
				}
			}
		})
	}
	if _, _, err := clampJSON([]byte(`{"process":{"oomScoreAdj":"x"}}`), spec, 0); err == nil {
		t.Fatal("a non-number oomScoreAdj was accepted")
	}
}

func TestClampFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte(`{"process":{"oomScoreAdj":-998}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	clamp := func(doc []byte) ([]byte, bool, error) { return clampJSON(doc, []string{"process", "oomScoreAdj"}, 5) }
	if err := editFile(p, clamp, dropHugepageLimits); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != `{"process":{"oomScoreAdj":5}}` {
		t.Fatalf("got %s", b)
	}
}

func TestDropHugepageLimits(t *testing.T) {
	in := `{"linux":{"resources":{"cpu":{"shares":2},"hugepageLimits":[{"pageSize":"2MB","limit":0}]}},"process":{"args":["x"]}}`
	out, changed, err := dropHugepageLimits([]byte(in))
	if err != nil || !changed {
		t.Fatalf("changed %v, err %v", changed, err)
	}
	if want := `{"linux":{"resources":{"cpu":{"shares":2}}},"process":{"args":["x"]}}`; string(out) != want {
		t.Fatalf("got %s, want %s", out, want)
	}
	if _, changed, _ := dropHugepageLimits([]byte(`{"linux":{"resources":{}}}`)); changed {
		t.Fatal("a spec without huge page limits was changed")
	}
}

func TestCapsWithin(t *testing.T) {
	all := `["CAP_CHOWN","CAP_SYS_RESOURCE","CAP_NET_ADMIN","CAP_FUTURE_THING"]`
	// Every capability but CAP_SYS_RESOURCE (bit 24), as on the bench.
	bounding := uint64(0x1fffeffffff)
	cases := []struct {
		name    string
		doc     string
		field   []string
		changed bool
		want    string
	}{
		{"privileged spec", `{"process":{"capabilities":{"bounding":` + all + `,"effective":` + all + `,"ambient":[]}}}`, []string{"process"}, true,
			`{"process":{"capabilities":{"ambient":[],"bounding":["CAP_CHOWN","CAP_NET_ADMIN","CAP_FUTURE_THING"],"effective":["CAP_CHOWN","CAP_NET_ADMIN","CAP_FUTURE_THING"]}}}`},
		{"exec process", `{"args":["sh"],"capabilities":{"permitted":["CAP_SYS_RESOURCE"]}}`, nil, true,
			`{"args":["sh"],"capabilities":{"permitted":[]}}`},
		{"within already", `{"process":{"capabilities":{"bounding":["CAP_CHOWN"]}}}`, []string{"process"}, false,
			`{"process":{"capabilities":{"bounding":["CAP_CHOWN"]}}}`},
		{"no capabilities", `{"process":{"args":["x"]}}`, []string{"process"}, false, `{"process":{"args":["x"]}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, changed, err := capsWithin([]byte(c.doc), c.field, bounding)
			if err != nil {
				t.Fatal(err)
			}
			if changed != c.changed || string(out) != c.want {
				t.Fatalf("got %s (changed %v), want %s (changed %v)", out, changed, c.want, c.changed)
			}
		})
	}
	if capabilityBit("CAP_SYS_RESOURCE") != 24 || capabilityBit("CAP_CHECKPOINT_RESTORE") != 40 {
		t.Fatal("capability table out of order")
	}
	if _, err := ownBoundingSet(); err != nil {
		t.Fatal(err)
	}
}
