package addons

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// KubeDNSConfigMap is the ConfigMap in kube-system that kube-dns read its
// stub domains and upstream name servers from.
const KubeDNSConfigMap = "kube-dns"

// KubeDNS is what a kube-dns ConfigMap configured.
type KubeDNS struct {
	// StubDomains maps a domain to the name servers that answer for it.
	StubDomains map[string][]string
	// UpstreamNameservers answer every name outside the cluster domain and
	// the stub domains, instead of the node's resolv.conf.
	UpstreamNameservers []string
}

// ParseKubeDNS reads the stubDomains and upstreamNameservers keys of a
// kube-dns ConfigMap's data (JSON, as kube-dns read them). Each server is an
// IP address, optionally with a port; each domain a DNS name.
func ParseKubeDNS(data map[string]string) (KubeDNS, error) {
	var k KubeDNS
	if s := data["stubDomains"]; s != "" {
		if err := json.Unmarshal([]byte(s), &k.StubDomains); err != nil {
			return k, fmt.Errorf("ConfigMap kube-system/%s: stubDomains is not a JSON object of domain to name servers: %w", KubeDNSConfigMap, err)
		}
	}
	if s := data["upstreamNameservers"]; s != "" {
		if err := json.Unmarshal([]byte(s), &k.UpstreamNameservers); err != nil {
			return k, fmt.Errorf("ConfigMap kube-system/%s: upstreamNameservers is not a JSON list of name servers: %w", KubeDNSConfigMap, err)
		}
	}
	for domain, servers := range k.StubDomains {
		if errs := validation.IsDNS1123Subdomain(strings.TrimSuffix(domain, ".")); len(errs) > 0 {
			return k, fmt.Errorf("ConfigMap kube-system/%s: stub domain %q: %s", KubeDNSConfigMap, domain, strings.Join(errs, "; "))
		}
		if len(servers) == 0 {
			return k, fmt.Errorf("ConfigMap kube-system/%s: stub domain %q has no name server", KubeDNSConfigMap, domain)
		}
		if err := checkServers("stub domain "+domain, servers); err != nil {
			return k, err
		}
	}
	return k, checkServers("upstreamNameservers", k.UpstreamNameservers)
}

func checkServers(what string, servers []string) error {
	for _, s := range servers {
		host, port := s, "53"
		if h, p, err := net.SplitHostPort(s); err == nil {
			host, port = h, p
		}
		if n, err := strconv.Atoi(port); net.ParseIP(host) == nil || err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("ConfigMap kube-system/%s: %s: name server %q is not an IP address (with an optional port)", KubeDNSConfigMap, what, s)
		}
	}
	return nil
}

// Empty reports whether kube-dns was configured with neither.
func (k KubeDNS) Empty() bool { return len(k.StubDomains) == 0 && len(k.UpstreamNameservers) == 0 }

// Corefile is the Corefile for dnsDomain that keeps k, as upstream kubeadm
// translated a kube-dns configuration when CoreDNS replaced kube-dns: the
// upstream name servers take the place of /etc/resolv.conf in the main
// server block's forward, and each stub domain gets a server block of its
// own (errors, cache 30, loop, forward to its name servers), in domain order.
func (k KubeDNS) Corefile(dnsDomain string) string {
	main := Corefile(dnsDomain)
	if len(k.UpstreamNameservers) > 0 {
		main = strings.Replace(main, "forward . /etc/resolv.conf {", "forward . "+strings.Join(k.UpstreamNameservers, " ")+" {", 1)
	}
	var b strings.Builder
	b.WriteString(main)
	for _, domain := range slices.Sorted(maps.Keys(k.StubDomains)) {
		fmt.Fprintf(&b, "%s:53 {\n    errors\n    cache 30\n    loop\n    forward . %s\n}\n", strings.TrimSuffix(domain, "."), strings.Join(k.StubDomains[domain], " "))
	}
	return b.String()
}
