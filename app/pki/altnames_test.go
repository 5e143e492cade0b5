package pki

import (
	"net"
	"slices"
	"testing"
)

func TestAltNamesAdd(t *testing.T) {
	var a AltNames
	rejected := a.Add("10.0.0.1", "fd00::1", "example.com", "*.example.com", "Bad_Name", "010.001.000.007", "")
	if !slices.Equal(a.DNSNames, []string{"example.com", "*.example.com"}) {
		t.Errorf("DNS %v", a.DNSNames)
	}
	want := []string{"10.0.0.1", "fd00::1", "10.1.0.7"}
	var got []string
	for _, ip := range a.IPs {
		got = append(got, ip.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("IPs %v, want %v", got, want)
	}
	if !slices.Equal(rejected, []string{"Bad_Name", ""}) {
		t.Errorf("rejected %q", rejected)
	}
}

func TestNormalized(t *testing.T) {
	a := AltNames{
		DNSNames: []string{"z", "a", "z"},
		IPs:      []net.IP{net.ParseIP("1.2.3.4"), net.ParseIP("::1"), net.IPv4(1, 2, 3, 4).To4()},
	}
	n := a.Normalized()
	if !slices.Equal(n.DNSNames, []string{"a", "z"}) || len(n.IPs) != 2 {
		t.Errorf("got %v", n)
	}
	if !slices.Equal(a.DNSNames, []string{"z", "a", "z"}) {
		t.Error("input modified")
	}
	if (AltNames{}).Normalized().DNSNames != nil {
		t.Error("empty input grew DNS names")
	}
}

func TestParseIP(t *testing.T) {
	tests := map[string]string{
		"192.168.0.1":    "192.168.0.1",
		"::ffff:1.2.3.4": "1.2.3.4",
		"2001:db8::1":    "2001:db8::1",
		"010.0.0.1":      "10.0.0.1",
		"0.00.000.1":     "0.0.0.1",
		"1.2.3":          "",
		"1.2.3.4.5":      "",
		"1..2.3":         "",
		"0001.2.3.4":     "",
		"256.0.0.1":      "",
		"host":           "",
	}
	for in, want := range tests {
		ip := ParseIP(in)
		got := ""
		if ip != nil {
			got = ip.String()
		}
		if got != want {
			t.Errorf("ParseIP(%q) = %q, want %q", in, got, want)
		}
	}
}
