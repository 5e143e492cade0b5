package pki

import (
	"crypto/x509"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckValidAt(t *testing.T) {
	ca, _ := testCA(t, "ca", time.Hour)
	if err := CheckValidAt(ca, time.Now()); err != nil {
		t.Error(err)
	}
	if err := CheckValidAt(ca, time.Now().Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("after NotAfter: %v", err)
	}
	if err := CheckValidAt(ca, time.Now().Add(-2*time.Hour)); err == nil || !strings.Contains(err.Error(), "not valid before") {
		t.Errorf("before NotBefore: %v", err)
	}
}

func TestVerifySignedBy(t *testing.T) {
	ca, caKey := testCA(t, "ca", 2*time.Hour)
	other, _ := testCA(t, "other", 2*time.Hour)
	leaf, _ := testLeaf(t, ca, caKey, CertConfig{
		CommonName: "l", NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
	})
	tests := []struct {
		name string
		ca   *x509.Certificate
		at   time.Time
		ok   bool
	}{
		{"signed", ca, time.Now(), true},
		{"other CA", other, time.Now(), false},
		{"leaf expired", ca, time.Now().Add(90 * time.Minute), false},
	}
	for _, tc := range tests {
		err := VerifySignedBy(leaf, nil, tc.ca, tc.at)
		if (err == nil) != tc.ok {
			t.Errorf("%s: got %v", tc.name, err)
		}
		if err != nil && !strings.Contains(err.Error(), tc.ca.Subject.CommonName) {
			t.Errorf("%s: error %v does not name the CA", tc.name, err)
		}
	}
}

func TestMissingSANs(t *testing.T) {
	ca, caKey := testCA(t, "ca", time.Hour)
	cert, _ := testLeaf(t, ca, caKey, CertConfig{
		CommonName: "s",
		AltNames:   AltNames{DNSNames: []string{"a.example", "*.wild.example"}, IPs: []net.IP{net.ParseIP("10.0.0.1")}},
	})
	tests := []struct {
		want    AltNames
		missing []string
	}{
		{AltNames{DNSNames: []string{"a.example"}, IPs: []net.IP{net.ParseIP("10.0.0.1")}}, nil},
		{AltNames{DNSNames: []string{"x.wild.example", "*.wild.example"}}, nil},
		{AltNames{DNSNames: []string{"b.example", "a.example"}, IPs: []net.IP{net.ParseIP("10.0.0.2")}},
			[]string{"DNS:b.example", "IP:10.0.0.2"}},
	}
	for _, tc := range tests {
		if got := MissingSANs(cert, tc.want); !slices.Equal(got, tc.missing) {
			t.Errorf("MissingSANs(%v) = %v, want %v", tc.want, got, tc.missing)
		}
	}
}

func TestCheckKeyMatchesCert(t *testing.T) {
	ca, caKey := testCA(t, "ca", time.Hour)
	cert, key := testLeaf(t, ca, caKey, CertConfig{CommonName: "x"})
	if err := CheckKeyMatchesCert(cert, key); err != nil {
		t.Error(err)
	}
	if err := CheckKeyMatchesCert(cert, caKey); err == nil {
		t.Error("foreign key accepted")
	}
}
