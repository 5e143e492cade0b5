package pki

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestKeyPool(t *testing.T) {
	p := NewKeyPool(kubeadm.EncryptionAlgorithmECDSAP256, 3)
	seen := map[string]bool{}
	for i := 0; i < 5; i++ { // three from the pool, two generated on demand
		k, err := p.Key(kubeadm.EncryptionAlgorithmECDSAP256)
		if err != nil {
			t.Fatal(err)
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok || ec.Curve.Params().Name != "P-256" {
			t.Fatalf("key %d is %T", i, k)
		}
		if seen[ec.D.String()] {
			t.Fatal("the pool handed out the same key twice")
		}
		seen[ec.D.String()] = true
	}
	k, err := p.Key(kubeadm.EncryptionAlgorithmRSA2048)
	if _, ok := k.(*rsa.PrivateKey); err != nil || !ok {
		t.Fatalf("another algorithm: %T, %v", k, err)
	}
	var nilPool *KeyPool
	if k, err := NewKey(nilPool, kubeadm.EncryptionAlgorithmECDSAP384); err != nil || k.(*ecdsa.PrivateKey).Curve.Params().Name != "P-384" {
		t.Fatalf("nil pool: %v", err)
	}
}
