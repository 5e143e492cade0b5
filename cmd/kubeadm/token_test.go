package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/cluster-bootstrap/token/jws"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/phases/bootstraptoken"
	"github.com/kubeadm-cleanroom/kubeadm/app/tokens"
)

// runTokenWith runs `kubeadm token <args>` against client, as run() does.
// It returns the exit code, stdout, stderr and whether a client was made.
func runTokenWith(client clientset.Interface, args ...string) (int, string, string, bool) {
	var out, errOut bytes.Buffer
	used := false
	cmd := newTokenCommand(streams{in: strings.NewReader(""), out: &out, errOut: &errOut}, func(string) (clientset.Interface, error) {
		used = true
		return client, nil
	})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(&errOut, "error:", err)
		return 1, out.String(), errOut.String(), used
	}
	return 0, out.String(), errOut.String(), used
}

func secretData(t *testing.T, c clientset.Interface, id string) map[string]string {
	t.Helper()
	s, err := c.CoreV1().Secrets("kube-system").Get(context.Background(), "bootstrap-token-"+id, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]string{}
	for k, v := range s.Data {
		data[k] = string(v)
	}
	return data
}

func TestTokenCreate(t *testing.T) {
	tokenRE := regexp.MustCompile(`^([a-z0-9]{6})\.[a-z0-9]{16}\n$`)
	cases := []struct {
		name    string
		args    []string
		id      string // "" for a generated token
		ttl     time.Duration
		want    map[string]string
		missing []string
	}{
		{"defaults", nil, "", 24 * time.Hour,
			map[string]string{"usage-bootstrap-signing": "true", "usage-bootstrap-authentication": "true", "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"},
			[]string{"description"}},
		{"every flag", []string{"abcdef.0123456789abcdef", "--ttl", "2h", "--usages", "authentication", "--groups", "system:bootstrappers:ci,system:bootstrappers:kubeadm:default-node-token", "--description", "CI nodes"},
			"abcdef", 2 * time.Hour,
			map[string]string{"token-secret": "0123456789abcdef", "usage-bootstrap-authentication": "true", "description": "CI nodes",
				"auth-extra-groups": "system:bootstrappers:ci,system:bootstrappers:kubeadm:default-node-token"},
			[]string{"usage-bootstrap-signing"}},
		{"never expires", []string{"zyxwvu.0123456789abcdef", "--ttl", "0", "--usages", "authentication"}, "zyxwvu", 0,
			map[string]string{"usage-bootstrap-authentication": "true"}, []string{"expiration", "usage-bootstrap-signing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client := fake.NewSimpleClientset()
			before := time.Now()
			code, out, errOut, _ := runTokenWith(client, append([]string{"create"}, c.args...)...)
			m := tokenRE.FindStringSubmatch(out)
			if code != 0 || m == nil || (c.id != "" && m[1] != c.id) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			data := secretData(t, client, m[1])
			for k, v := range c.want {
				if data[k] != v {
					t.Errorf("%s = %q, want %q", k, data[k], v)
				}
			}
			for _, k := range c.missing {
				if _, ok := data[k]; ok {
					t.Errorf("%s is set: %q", k, data[k])
				}
			}
			if c.ttl > 0 {
				exp, err := time.Parse(time.RFC3339, data["expiration"])
				if want := before.Add(c.ttl); err != nil || exp.Before(want.Add(-time.Second)) || exp.After(want.Add(time.Minute)) {
					t.Errorf("expiration %q, want about %s", data["expiration"], want.UTC())
				}
			}
		})
	}
}

// TestTokenBadFlags checks that every bad value fails on one line naming
// the flag and what is allowed, before any API client is made.
func TestTokenBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"create", "--ttl", "-1h"}, []string{`"--ttl"`, "must not be negative"}},
		{[]string{"create", "--ttl", "forever"}, []string{`"--ttl"`, "not a duration"}},
		{[]string{"create", "--usages", "signing,root"}, []string{"--usages", `"root"`, `"signing", "authentication"`}},
		{[]string{"create", "--groups", "system:masters"}, []string{"--groups", `"system:masters"`, "system:bootstrappers:"}},
		{[]string{"create", "--usages", "x", "--groups", "y"}, []string{"--usages", "--groups"}},
		{[]string{"create", "ABCDEF.0123456789abcdef"}, []string{"[a-z0-9]{6}.[a-z0-9]{16}"}},
		{[]string{"create", "a", "b"}, []string{"accepts at most 1 arg"}},
		{[]string{"create", "--certificate-key", "ab"}, []string{"--certificate-key", "64"}},
		{[]string{"list", "-o", "go-template"}, []string{"--output go-template", "no template given"}},
		{[]string{"list", "-o", "xml"}, []string{"--output", "text, json, yaml", "go-template"}},
		{[]string{"list", "-o", "jsonpath={.x"}, []string{"--output jsonpath", "does not parse"}},
		{[]string{"list", "extra"}, []string{"unknown command"}},
		{[]string{"delete"}, []string{"missing the token to delete"}},
		{[]string{"delete", "abcdef", "abc.def"}, []string{`"abc.def"`, "[a-z0-9]{6}", "[a-z0-9]{6}.[a-z0-9]{16}"}},
		{[]string{"generate", "x"}, []string{"unknown command"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut, used := runTokenWith(fake.NewSimpleClientset(), c.args...)
			if code == 0 || out != "" || used {
				t.Fatalf("exit %d, stdout %q, client made: %v", code, out, used)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("the error is more than one line: %q", errOut)
			}
		})
	}
}

func TestTokenListDeleteGenerate(t *testing.T) {
	client := fake.NewSimpleClientset()
	for _, args := range [][]string{{"create", "abcdef.0123456789abcdef", "--description", "first"}, {"create", "zyxwvu.0123456789abcdef", "--ttl", "0"}} {
		if code, _, errOut, _ := runTokenWith(client, args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	code, out, _, _ := runTokenWith(client, "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "TOKEN") || !strings.Contains(lines[1], "first") || !strings.Contains(lines[2], "<forever>") {
		t.Errorf("list: %d\n%s", code, out)
	}
	code, out, _, _ = runTokenWith(client, "list", "-o", "json")
	var got []tokens.Info
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var i tokens.Info
		if err := dec.Decode(&i); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("list -o json does not parse: %v\n%s", err, out)
		}
		got = append(got, i)
	}
	if code != 0 || len(got) != 2 || got[0].Kind != "BootstrapToken" || got[0].Description != "first" || got[0].Expires == nil || got[1].Expires != nil {
		t.Errorf("list -o json: %+v", got)
	}
	code, out, _, _ = runTokenWith(client, "list", "-o", "jsonpath={.token} ")
	if code != 0 || out != "abcdef.0123456789abcdef zyxwvu.0123456789abcdef " {
		t.Errorf("list -o jsonpath: %d %q", code, out)
	}
	code, out, _, _ = runTokenWith(client, "list", "-o", "go-template={{.description}};")
	if code != 0 || out != "first;<no value>;" && out != "first;;" {
		t.Errorf("list -o go-template: %d %q", code, out)
	}
	code, out, _, _ = runTokenWith(client, "create", "qwerty.0123456789abcdef", "--dry-run")
	if code != 0 || !strings.Contains(out, "[dryrun] would create secrets kube-system/bootstrap-token-qwerty\n") || !strings.HasSuffix(out, "qwerty.0123456789abcdef\n") {
		t.Errorf("create --dry-run: %d %q", code, out)
	}
	if _, err := client.CoreV1().Secrets("kube-system").Get(context.Background(), "bootstrap-token-qwerty", metav1.GetOptions{}); err == nil {
		t.Error("create --dry-run created the token")
	}
	code, out, _, _ = runTokenWith(client, "delete", "abcdef", "--dry-run")
	if code != 0 || !strings.Contains(out, "[dryrun] would delete secrets kube-system/bootstrap-token-abcdef") {
		t.Errorf("delete --dry-run: %d %q", code, out)
	}
	code, out, _, _ = runTokenWith(client, "list", "--dry-run")
	if code != 0 || !strings.Contains(out, "abcdef.0123456789abcdef") {
		t.Errorf("list --dry-run reads the cluster's tokens: %d %q", code, out)
	}
	code, out, _, _ = runTokenWith(client, "list", "-o", "yaml")
	docs := strings.Split(out, "---\n")
	var first tokens.Info
	if code != 0 || len(docs) != 2 || yaml.UnmarshalStrict([]byte(docs[0]), &first) != nil || first.Token != "abcdef.0123456789abcdef" {
		t.Errorf("list -o yaml: %+v\n%s", first, out)
	}

	// A bad argument deletes nothing; then both go, by ID and by token.
	if code, _, _, _ := runTokenWith(client, "delete", "abcdef", "nope!"); code == 0 {
		t.Error("delete with a bad argument succeeded")
	}
	code, out, errOut, _ := runTokenWith(client, "delete", "abcdef", "zyxwvu.0123456789abcdef")
	if code != 0 || out != "bootstrap token \"abcdef\" deleted\nbootstrap token \"zyxwvu\" deleted\n" {
		t.Errorf("delete: %d %q %q", code, out, errOut)
	}
	if code, out, _, _ := runTokenWith(client, "list"); code != 0 || out != "" {
		t.Errorf("list without tokens prints nothing, as upstream: %q", out)
	}
	if code, _, errOut, _ := runTokenWith(client, "delete", "abcdef"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("deleting a missing token: %q", errOut)
	}

	code, out, _, used := runTokenWith(client, "generate")
	if code != 0 || used || !regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}\n$`).MatchString(out) {
		t.Errorf("generate: %d %q (client made: %v)", code, out, used)
	}
}

// TestTokenCreateFromConfig creates every bootstrap token of an init
// configuration file and prints the first, as upstream does.
func TestTokenCreateFromConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("init.yaml", `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: abcdef.0123456789abcdef
  ttl: 1h
  usages: [authentication]
- description: generated
`)
	client := fake.NewSimpleClientset()
	code, out, errOut, _ := runTokenWith(client, "create", "--config", good)
	if code != 0 || out != "abcdef.0123456789abcdef\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	list, _, err := tokens.List(context.Background(), client)
	if err != nil || len(list) != 2 {
		t.Fatalf("tokens created: %v %v", list, err)
	}
	if data := secretData(t, client, "abcdef"); data["usage-bootstrap-authentication"] != "true" || data["usage-bootstrap-signing"] != "" {
		t.Errorf("the first token's usages: %v", data)
	}

	bad := write("bad.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nbootstrapTokens:\n- usages: [root]\n")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"create", "--config", good, "--ttl", "2h"}, []string{"can not mix '--config' with --ttl"}},
		{[]string{"create", "--config", good, "--usages", "signing"}, []string{"can not mix '--config' with --usages"}},
		{[]string{"create", "abcdef.0123456789abcdef", "--config", good}, []string{"can not mix '--config' with the token argument"}},
		{[]string{"create", "--config", bad}, []string{"bad.yaml (InitConfiguration)", "bootstrapTokens[0].usages[0]", `"root"`}},
		{[]string{"create", "--config", filepath.Join(dir, "none.yaml")}, []string{"none.yaml"}},
	} {
		code, _, errOut, used := runTokenWith(fake.NewSimpleClientset(), c.args...)
		if code == 0 || used || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, client made %v, stderr %q", c.args, code, used, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, errOut, w)
			}
		}
	}
}

func TestFindKubeconfigInUpstreamsOrder(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.conf"), filepath.Join(dir, "b.conf")
	if err := os.WriteFile(b, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := findKubeconfig(true, "/x.conf"); got != "/x.conf" {
		t.Errorf("--kubeconfig: %s", got)
	}
	t.Setenv("KUBECONFIG", a+string(os.PathListSeparator)+b)
	if got := findKubeconfig(false, defaultKubeconfig); got != b {
		t.Errorf("$KUBECONFIG with only its second file present: %s, want %s", got, b)
	}
	t.Setenv("KUBECONFIG", a)
	if got := findKubeconfig(false, defaultKubeconfig); got != a && got != defaultKubeconfig {
		t.Errorf("nothing present: %s", got)
	}
}

// TestTokenCreateSignsClusterInfo: token create adds its token's signature
// to cluster-info; when it may not write cluster-info, the token is still
// made and the command warns and succeeds.
func TestTokenCreateSignsClusterInfo(t *testing.T) {
	cm, err := bootstraptoken.ClusterInfo("https://10.0.0.1:6443", []byte("ca"))
	if err != nil {
		t.Fatal(err)
	}
	client := fake.NewSimpleClientset(cm)
	code, out, errOut, _ := runTokenWith(client, "create", "abcdef.0123456789abcdef")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	got, err := client.CoreV1().ConfigMaps("kube-public").Get(context.Background(), "cluster-info", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !jws.DetachedTokenIsValid(got.Data["jws-kubeconfig-abcdef"], got.Data["kubeconfig"], "abcdef", "0123456789abcdef") {
		t.Fatalf("cluster-info is not signed for the new token: %v", got.Data)
	}

	client = fake.NewSimpleClientset(cm)
	client.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("configmaps"), "cluster-info", errors.New("RBAC"))
	})
	code, out, errOut, _ = runTokenWith(client, "create", "ghijkl.0123456789abcdef")
	if code != 0 || out != "ghijkl.0123456789abcdef\n" || !strings.HasPrefix(errOut, "WARNING: sign ConfigMap kube-public/cluster-info for token \"ghijkl\"") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	secretData(t, client, "ghijkl") // the token is made all the same
}
