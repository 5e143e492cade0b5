package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// Algorithms lists every key type NewPrivateKey accepts, in the order they
// are named in error messages.
var Algorithms = []kubeadm.EncryptionAlgorithmType{
	kubeadm.EncryptionAlgorithmRSA2048,
	kubeadm.EncryptionAlgorithmRSA3072,
	kubeadm.EncryptionAlgorithmRSA4096,
	kubeadm.EncryptionAlgorithmECDSAP256,
	kubeadm.EncryptionAlgorithmECDSAP384,
}

// NewPrivateKey generates a key of type alg. The empty value means
// RSA-2048, the default of the configuration API.
func NewPrivateKey(alg kubeadm.EncryptionAlgorithmType) (crypto.Signer, error) {
	var (
		key crypto.Signer
		err error
	)
	switch alg {
	case kubeadm.EncryptionAlgorithmRSA2048, "":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case kubeadm.EncryptionAlgorithmRSA3072:
		key, err = rsa.GenerateKey(rand.Reader, 3072)
	case kubeadm.EncryptionAlgorithmRSA4096:
		key, err = rsa.GenerateKey(rand.Reader, 4096)
	case kubeadm.EncryptionAlgorithmECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case kubeadm.EncryptionAlgorithmECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		return nil, fmt.Errorf("unknown encryption algorithm %q: must be one of %v", alg, Algorithms)
	}
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", displayAlg(alg), err)
	}
	return key, nil
}

// KeyAlgorithm names the type of an existing public key, so that a renewed
// certificate can keep the key type it had. Only the types NewPrivateKey
// makes are recognised.
func KeyAlgorithm(pub crypto.PublicKey) (kubeadm.EncryptionAlgorithmType, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			return kubeadm.EncryptionAlgorithmRSA2048, nil
		case 3072:
			return kubeadm.EncryptionAlgorithmRSA3072, nil
		case 4096:
			return kubeadm.EncryptionAlgorithmRSA4096, nil
		}
		return "", fmt.Errorf("unsupported RSA key size %d bits", k.N.BitLen())
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return kubeadm.EncryptionAlgorithmECDSAP256, nil
		case elliptic.P384():
			return kubeadm.EncryptionAlgorithmECDSAP384, nil
		}
		return "", fmt.Errorf("unsupported ECDSA curve %s", k.Curve.Params().Name)
	}
	return "", fmt.Errorf("unsupported public key type %T", pub)
}

// SamePublicKey reports whether a and b are the same public key.
func SamePublicKey(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

func displayAlg(alg kubeadm.EncryptionAlgorithmType) kubeadm.EncryptionAlgorithmType {
	if alg == "" {
		return kubeadm.EncryptionAlgorithmRSA2048
	}
	return alg
}
