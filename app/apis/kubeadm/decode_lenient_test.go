package kubeadm

import (
	"strings"
	"testing"
)

// kindConfig is shaped like the file kind renders: each document carries
// metadata, which kubeadm's types do not have.
const kindConfig = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
metadata:
  name: config
kubernetesVersion: v1.37.1
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
metadata:
  name: config
discovery:
  bootstrapToken:
    apiServerEndpoint: kind-control-plane:6443
    token: abcdef.0123456789abcdef
    unsafeSkipCAVerification: true
skipPhases:
- preflight
---
apiVersion: v1
kind: Pod
metadata:
  name: foreign
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: FooConfiguration
`

func TestDecodeLenientWarnsAndGoesOn(t *testing.T) {
	d, err := DecodeLenient("kind.conf", []byte(kindConfig))
	if err != nil {
		t.Fatalf("lenient decoding failed: %v", err)
	}
	if d.Cluster == nil || d.Join == nil || d.Join.Discovery.BootstrapToken.Token != "abcdef.0123456789abcdef" {
		t.Fatalf("documents not read: %+v", d)
	}
	all := strings.Join(d.Warnings, "\n")
	for _, want := range []string{
		`kind.conf, document 1 (ClusterConfiguration): unknown field "metadata"`,
		`kind.conf, document 2 (JoinConfiguration): unknown field "metadata"`,
		"kind.conf, document 3 (Pod): unknown kind v1 Pod",
		"kind.conf, document 4 (FooConfiguration): unknown kind",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	if ignored := strings.Count(all, "the document is ignored"); ignored != 2 {
		t.Errorf("%d documents ignored, want the Pod and the FooConfiguration:\n%s", ignored, all)
	}
	if _, err := Decode("kind.conf", []byte(kindConfig)); err == nil || !strings.Contains(err.Error(), `document 1 (ClusterConfiguration): unknown field "metadata"`) {
		t.Errorf("strict decoding: %v", err)
	}
}

func TestDecodeRepeatedKeysAreAlwaysErrors(t *testing.T) {
	doc := "# leading comment\n\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  name: a\n  name: b\n"
	for name, decode := range map[string]func(string, []byte) (*Documents, error){"strict": Decode, "lenient": DecodeLenient} {
		_, err := decode("dup.yaml", []byte(doc))
		if err == nil {
			t.Fatalf("%s: a repeated key was accepted", name)
		}
		// the repeated key is on line 10 of the file (line 5 of document 2)
		for _, want := range []string{"dup.yaml, document 2", "line 10", `"name"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q lacks %q", name, err, want)
			}
		}
	}
}

// TestDecodeEmptyAndCommentOnlyDocuments follows upstream v1.37.1's
// verdicts, measured with its config validate (and read in apimachinery's
// YAMLReader): a document of only blank or comment lines is refused, and
// so is a leading "---" right after another.
func TestDecodeEmptyAndCommentOnlyDocuments(t *testing.T) {
	const c = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
	const i = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n"
	cases := []struct {
		doc string
		ok  bool
	}{
		{c + "---\n", true},
		{"---\n" + c, true},
		{"---\n---\n" + c, false},
		{c + "---\n---\n" + i, true},
		{"# a comment\n" + c, true},
		{c + "--- # a comment on the separator\n" + i, true},
		{c + "---\n\n---\n" + i, false},
		{c + "---\n# c\n", false},
		{"# header\n---\n" + c, false},
		{c + "--- x\n" + i, false},
	}
	for _, tc := range cases {
		_, err := Decode("c.yaml", []byte(tc.doc))
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok=%v", tc.doc, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("not one line: %q", err)
		}
	}
}

func TestDecodeExperimentalV1(t *testing.T) {
	doc := "apiVersion: kubeadm.k8s.io/v1\nkind: ClusterConfiguration\n"
	if _, err := Decode("v1.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "--allow-experimental-api") {
		t.Errorf("v1 without the flag: %v", err)
	}
	d, err := DecodeWith("v1.yaml", []byte(doc), DecodeOptions{Strict: true, AllowExperimental: true})
	if err != nil || d.Cluster == nil || !strings.Contains(strings.Join(d.Warnings, ";"), "experimental") {
		t.Errorf("v1 with the flag: %v %+v", err, d)
	}
}
