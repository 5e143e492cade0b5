package addons

import (
	"strings"
	"testing"
)

// TestKubeDNSCorefile: the upstream name servers replace resolv.conf in
// the main block, each stub domain gets its own block in domain order,
// and the rest is the default Corefile.
func TestKubeDNSCorefile(t *testing.T) {
	k, err := ParseKubeDNS(map[string]string{
		"stubDomains":         `{"consul.local": ["10.150.0.1"], "acme.test.": ["10.0.0.53:5353", "10.0.0.54"]}`,
		"upstreamNameservers": `["8.8.8.8", "8.8.4.4"]`,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := k.Corefile("cluster.local")
	want := strings.Replace(Corefile("cluster.local"), "forward . /etc/resolv.conf {", "forward . 8.8.8.8 8.8.4.4 {", 1) +
		"acme.test:53 {\n    errors\n    cache 30\n    loop\n    forward . 10.0.0.53:5353 10.0.0.54\n}\n" +
		"consul.local:53 {\n    errors\n    cache 30\n    loop\n    forward . 10.150.0.1\n}\n"
	if got != want {
		t.Errorf("Corefile:\n%s\nwant:\n%s", got, want)
	}
	if only, _ := ParseKubeDNS(map[string]string{"stubDomains": `{"a.test": ["10.0.0.1"]}`}); !strings.Contains(only.Corefile("cluster.local"), "forward . /etc/resolv.conf {") {
		t.Error("without upstream name servers the main block does not forward to resolv.conf")
	}
	if empty, _ := ParseKubeDNS(map[string]string{"federations": `{"x": "y"}`}); !empty.Empty() {
		t.Error("a kube-dns ConfigMap without stub domains or name servers is not empty")
	}
}

// TestKubeDNSRefusals names the key and the bad value.
func TestKubeDNSRefusals(t *testing.T) {
	for _, tc := range []struct {
		data map[string]string
		want string
	}{
		{map[string]string{"stubDomains": `["a"]`}, "stubDomains is not a JSON object"},
		{map[string]string{"upstreamNameservers": `"8.8.8.8"`}, "upstreamNameservers is not a JSON list"},
		{map[string]string{"stubDomains": `{"a.test": ["dns.example"]}`}, `stub domain a.test: name server "dns.example" is not an IP address`},
		{map[string]string{"stubDomains": `{"a.test": []}`}, `stub domain "a.test" has no name server`},
		{map[string]string{"stubDomains": `{"Bad_Domain": ["10.0.0.1"]}`}, `stub domain "Bad_Domain"`},
		{map[string]string{"upstreamNameservers": `["8.8.8.8:x53x"]`}, `name server "8.8.8.8:x53x"`},
	} {
		if _, err := ParseKubeDNS(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.data, err, tc.want)
		}
	}
}
