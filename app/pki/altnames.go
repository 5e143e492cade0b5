package pki

import (
	"net"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// AltNames are the subject alternative names of a certificate.
type AltNames struct {
	DNSNames []string
	IPs      []net.IP
}

// Add sorts each of sans into IPs or DNS names. Entries that are neither an
// IP address nor an RFC 1123 subdomain (wildcards allowed) are not added
// and are returned, so the caller can warn about them as upstream does.
func (a *AltNames) Add(sans ...string) (rejected []string) {
	for _, s := range sans {
		switch {
		case ParseIP(s) != nil:
			a.IPs = append(a.IPs, ParseIP(s))
		case IsDNSName(s):
			a.DNSNames = append(a.DNSNames, s)
		default:
			rejected = append(rejected, s)
		}
	}
	return rejected
}

// Normalized returns a copy with duplicates removed: DNS names sorted and
// unique, IPs unique in first-seen order. Certificates are made from the
// normalized form, like upstream's RemoveDuplicateAltNames.
func (a AltNames) Normalized() AltNames {
	var out AltNames
	if len(a.DNSNames) > 0 {
		out.DNSNames = slices.Clone(a.DNSNames)
		slices.Sort(out.DNSNames)
		out.DNSNames = slices.Compact(out.DNSNames)
	}
	seen := map[string]bool{}
	for _, ip := range a.IPs {
		if k := ip.String(); !seen[k] {
			seen[k] = true
			out.IPs = append(out.IPs, ip)
		}
	}
	return out
}

// IsDNSName reports whether s is an RFC 1123 subdomain or a wildcard one
// ("*.example.com").
func IsDNSName(s string) bool {
	return len(validation.IsDNS1123Subdomain(s)) == 0 ||
		len(validation.IsWildcardDNS1123Subdomain(s)) == 0
}

// ParseIP parses an IPv4 or IPv6 address, also accepting IPv4 octets with
// leading zeros (read as decimal), as Kubernetes' lenient parser does. It
// returns nil for anything else.
func ParseIP(s string) net.IP {
	if ip := net.ParseIP(s); ip != nil {
		return ip
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return nil
	}
	for i, p := range parts {
		if len(p) > 3 {
			return nil
		}
		if t := strings.TrimLeft(p, "0"); t != "" {
			parts[i] = t
		} else if p != "" {
			parts[i] = "0"
		}
	}
	return net.ParseIP(strings.Join(parts, "."))
}
