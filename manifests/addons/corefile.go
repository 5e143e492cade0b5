package addons

import "strings"

// Corefile returns the CoreDNS configuration kubeadm v1.37 installs for a
// cluster whose DNS domain is dnsDomain. The text is byte-for-byte what
// upstream renders, because upgrades compare an installed Corefile with the
// default one to decide whether it was customised.
//
// The server block answers on port 53 with, in order: error logging, a
// health endpoint with a 5s lame-duck period, a readiness endpoint, the
// kubernetes plugin for the cluster domain and the reverse zones, Prometheus
// metrics on :9153, forwarding to the node's resolv.conf, a 30s cache that
// (when a domain is set) does not cache answers for the cluster domain, loop
// detection, config reloading and answer shuffling.
func Corefile(dnsDomain string) string {
	const in = "    "     // directive indent inside the server block
	const sub = "       " // option indent inside a plugin block (upstream uses 7)
	var b strings.Builder
	line := func(indent, text string) {
		b.WriteString(indent)
		b.WriteString(text)
		b.WriteByte('\n')
	}
	line("", ".:53 {")
	line(in, "errors")
	line(in, "health {")
	line(sub, "lameduck 5s")
	line(in, "}")
	line(in, "ready")
	line(in, "kubernetes "+dnsDomain+" in-addr.arpa ip6.arpa {")
	line(sub, "pods insecure")
	line(sub, "fallthrough in-addr.arpa ip6.arpa")
	line(sub, "ttl 30")
	line(in, "}")
	line(in, "prometheus :9153")
	line(in, "forward . /etc/resolv.conf {")
	line(sub, "max_concurrent 1000")
	line(in, "}")
	if dnsDomain == "" {
		line(in, "cache 30")
	} else {
		line(in, "cache 30 {")
		line(sub, "disable success "+dnsDomain)
		line(sub, "disable denial "+dnsDomain)
		line(in, "}")
	}
	line(in, "loop")
	line(in, "reload")
	line(in, "loadbalance")
	line("", "}")
	return b.String()
}
