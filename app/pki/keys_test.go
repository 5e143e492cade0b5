package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestNewPrivateKey(t *testing.T) {
	tests := []struct {
		alg     kubeadm.EncryptionAlgorithmType
		rsaBits int
		curve   elliptic.Curve
		want    kubeadm.EncryptionAlgorithmType
	}{
		{alg: "", rsaBits: 2048, want: kubeadm.EncryptionAlgorithmRSA2048},
		{alg: kubeadm.EncryptionAlgorithmRSA2048, rsaBits: 2048, want: kubeadm.EncryptionAlgorithmRSA2048},
		{alg: kubeadm.EncryptionAlgorithmRSA3072, rsaBits: 3072, want: kubeadm.EncryptionAlgorithmRSA3072},
		{alg: kubeadm.EncryptionAlgorithmRSA4096, rsaBits: 4096, want: kubeadm.EncryptionAlgorithmRSA4096},
		{alg: kubeadm.EncryptionAlgorithmECDSAP256, curve: elliptic.P256(), want: kubeadm.EncryptionAlgorithmECDSAP256},
		{alg: kubeadm.EncryptionAlgorithmECDSAP384, curve: elliptic.P384(), want: kubeadm.EncryptionAlgorithmECDSAP384},
	}
	for _, tc := range tests {
		t.Run(string(tc.alg), func(t *testing.T) {
			key, err := NewPrivateKey(tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			switch k := key.(type) {
			case *rsa.PrivateKey:
				if tc.rsaBits == 0 || k.N.BitLen() != tc.rsaBits {
					t.Errorf("got RSA %d bits, want %v", k.N.BitLen(), tc)
				}
			case *ecdsa.PrivateKey:
				if tc.curve == nil || k.Curve != tc.curve {
					t.Errorf("got ECDSA %s, want %v", k.Curve.Params().Name, tc)
				}
			default:
				t.Fatalf("unexpected key type %T", key)
			}
			got, err := KeyAlgorithm(key.Public())
			if err != nil || got != tc.want {
				t.Errorf("KeyAlgorithm = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestNewPrivateKeyUnknown(t *testing.T) {
	_, err := NewPrivateKey("DSA-1024")
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, want := range []string{"DSA-1024", "RSA-2048", "RSA-3072", "RSA-4096", "ECDSA-P256", "ECDSA-P384"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestKeyAlgorithmUnsupported(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, pub := range map[string]crypto.PublicKey{"rsa1024": &small.PublicKey, "p224": &p224.PublicKey, "ed25519": edPub} {
		if alg, err := KeyAlgorithm(pub); err == nil {
			t.Errorf("%s: got %q, want an error", name, alg)
		}
	}
}

func TestSamePublicKey(t *testing.T) {
	a := testKey(t, kubeadm.EncryptionAlgorithmECDSAP256)
	b, err := NewPrivateKey(kubeadm.EncryptionAlgorithmECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	if !SamePublicKey(a.Public(), a.Public()) {
		t.Error("a key differs from itself")
	}
	if SamePublicKey(a.Public(), b.Public()) {
		t.Error("two keys compare equal")
	}
	if SamePublicKey(nil, a.Public()) {
		t.Error("nil compares equal")
	}
}
