package pki

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestPrivateKeyPEMRoundTrip(t *testing.T) {
	tests := []struct {
		alg       kubeadm.EncryptionAlgorithmType
		blockType string
	}{
		{kubeadm.EncryptionAlgorithmRSA2048, "RSA PRIVATE KEY"},
		{kubeadm.EncryptionAlgorithmECDSAP256, "EC PRIVATE KEY"},
		{kubeadm.EncryptionAlgorithmECDSAP384, "EC PRIVATE KEY"},
	}
	for _, tc := range tests {
		t.Run(string(tc.alg), func(t *testing.T) {
			key := testKey(t, tc.alg)
			data, err := EncodePrivateKeyPEM(key)
			if err != nil {
				t.Fatal(err)
			}
			block, rest := pem.Decode(data)
			if block == nil || block.Type != tc.blockType || len(rest) != 0 {
				t.Fatalf("got block %v, want one %q block", block, tc.blockType)
			}
			back, err := ParsePrivateKeyPEM(data)
			if err != nil {
				t.Fatal(err)
			}
			if !SamePublicKey(back.Public(), key.Public()) {
				t.Error("decoded key differs")
			}

			// PKCS#8, as other tools write, is read too.
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			p8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
			back, err = ParsePrivateKeyPEM(p8)
			if err != nil || !SamePublicKey(back.Public(), key.Public()) {
				t.Errorf("PKCS#8: %v", err)
			}

			// A public key is found in a private key file too.
			pub, err := ParsePublicKeyPEM(data)
			if err != nil || !SamePublicKey(pub, key.Public()) {
				t.Errorf("public key from private key file: %v", err)
			}
		})
	}
}

func TestParsePrivateKeySkipsOtherBlocks(t *testing.T) {
	key := testKey(t, kubeadm.EncryptionAlgorithmECDSAP256)
	data, err := EncodePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}})
	back, err := ParsePrivateKeyPEM(append(params, data...))
	if err != nil || !SamePublicKey(back.Public(), key.Public()) {
		t.Fatalf("got %v", err)
	}
}

func TestParsePEMErrors(t *testing.T) {
	garbage := []byte("not pem at all")
	badBlock := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("junk")})
	badCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})
	if _, err := ParsePrivateKeyPEM(garbage); err == nil {
		t.Error("private key from garbage")
	}
	if _, err := ParsePrivateKeyPEM(badBlock); err == nil || !strings.Contains(err.Error(), "RSA") {
		t.Errorf("bad RSA block: %v", err)
	}
	if _, err := ParsePublicKeyPEM(garbage); err == nil {
		t.Error("public key from garbage")
	}
	if _, err := ParseCertsPEM(garbage); err == nil {
		t.Error("certificates from garbage")
	}
	if _, err := ParseCertsPEM(badCert); err == nil {
		t.Error("certificate from junk DER")
	}
}

func TestPublicKeyPEM(t *testing.T) {
	for _, alg := range []kubeadm.EncryptionAlgorithmType{kubeadm.EncryptionAlgorithmRSA2048, kubeadm.EncryptionAlgorithmECDSAP384} {
		key := testKey(t, alg)
		data, err := EncodePublicKeyPEM(key.Public())
		if err != nil {
			t.Fatal(err)
		}
		if block, _ := pem.Decode(data); block == nil || block.Type != "PUBLIC KEY" {
			t.Fatalf("%s: block %v, want PUBLIC KEY", alg, block)
		}
		pub, err := ParsePublicKeyPEM(data)
		if err != nil || !SamePublicKey(pub, key.Public()) {
			t.Errorf("%s: round trip: %v", alg, err)
		}
	}
}

func TestCertsPEM(t *testing.T) {
	ca, caKey := testCA(t, "root", 24*time.Hour)
	leaf, _ := testLeaf(t, ca, caKey, CertConfig{CommonName: "leaf"})
	data := EncodeCertsPEM(leaf, ca)
	if n := strings.Count(string(data), "-----BEGIN CERTIFICATE-----"); n != 2 {
		t.Fatalf("%d CERTIFICATE blocks, want 2", n)
	}
	certs, err := ParseCertsPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || !certs[0].Equal(leaf) || !certs[1].Equal(ca) {
		t.Errorf("round trip lost order or content")
	}
}
