package pki

import (
	"crypto"
	"runtime"
	"sync"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// KeySource hands out new private keys.
type KeySource interface {
	Key(alg kubeadm.EncryptionAlgorithmType) (crypto.Signer, error)
}

// NewKey returns a key from src, or a freshly generated one when src is nil.
func NewKey(src KeySource, alg kubeadm.EncryptionAlgorithmType) (crypto.Signer, error) {
	if src == nil {
		return NewPrivateKey(alg)
	}
	return src.Key(alg)
}

// KeyPool generates up to n keys of one algorithm ahead of use, on every
// CPU, so that a command needing many keys (init needs sixteen) waits for
// them in parallel instead of one after another. Keys of other algorithms,
// and keys beyond n, are generated on demand.
type KeyPool struct {
	alg  kubeadm.EncryptionAlgorithmType
	keys chan keyResult
	mu   sync.Mutex
	left int
}

type keyResult struct {
	key crypto.Signer
	err error
}

// NewKeyPool starts generating n keys of alg.
func NewKeyPool(alg kubeadm.EncryptionAlgorithmType, n int) *KeyPool {
	p := &KeyPool{alg: alg, keys: make(chan keyResult, n), left: n}
	var next sync.Mutex
	remaining := n
	for w := 0; w < runtime.NumCPU(); w++ {
		go func() {
			for {
				next.Lock()
				if remaining == 0 {
					next.Unlock()
					return
				}
				remaining--
				next.Unlock()
				k, err := NewPrivateKey(alg)
				p.keys <- keyResult{k, err}
			}
		}()
	}
	return p
}

// Key returns a pre-generated key of alg when one is (or will be) there.
func (p *KeyPool) Key(alg kubeadm.EncryptionAlgorithmType) (crypto.Signer, error) {
	if p == nil || alg != p.alg {
		return NewPrivateKey(alg)
	}
	p.mu.Lock()
	if p.left == 0 {
		p.mu.Unlock()
		return NewPrivateKey(alg)
	}
	p.left--
	p.mu.Unlock()
	r := <-p.keys
	return r.key, r.err
}
