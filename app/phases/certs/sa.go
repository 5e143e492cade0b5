package certs

import (
	"fmt"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

const saName = constants.ServiceAccountKeyBaseName

// runSA reuses or creates the service-account signing key pair sa.key and
// sa.pub, a key of the configured algorithm and no certificate. An
// existing sa.key is reused (its sa.pub must match it, and is derived from
// it if missing); sa.pub without sa.key is an error rather than something
// to overwrite. With an external CA nothing is generated: upstream skips
// this step then, and here the key pair must be present instead.
func runSA(in Inputs) (Result, error) {
	if err := in.check(); err != nil {
		return Result{}, fmt.Errorf("sa: %w", err)
	}
	res := Result{Name: "sa"}
	dir := ""
	for _, d := range []string{in.writeDir(), in.readDir()} {
		if pki.Exists(pki.KeyPath(d, saName)) || pki.Exists(pki.PublicKeyPath(d, saName)) {
			dir = d
			break
		}
	}
	if dir != "" {
		keyPath, pubPath := pki.KeyPath(dir, saName), pki.PublicKeyPath(dir, saName)
		if !pki.Exists(keyPath) {
			return Result{}, fmt.Errorf("sa: %s exists without its private key %s", pubPath, keyPath)
		}
		key, err := pki.ReadKey(dir, saName)
		if err != nil {
			return Result{}, fmt.Errorf("sa: %w", err)
		}
		if pki.Exists(pubPath) {
			pub, err := pki.ReadPublicKey(dir, saName)
			if err != nil {
				return Result{}, fmt.Errorf("sa: %w", err)
			}
			if !pki.SamePublicKey(pub, key.Public()) {
				return Result{}, fmt.Errorf("sa: %s does not match the private key %s", pubPath, keyPath)
			}
		} else {
			pubPath = pki.PublicKeyPath(in.writeDir(), saName)
			if err := pki.WritePublicKey(in.writeDir(), saName, key.Public()); err != nil {
				return Result{}, fmt.Errorf("sa: %w", err)
			}
		}
		res.Action, res.Files = Reused, []string{keyPath, pubPath}
		return res, nil
	}
	if external, _ := usingExternal(in, "ca"); external {
		return Result{}, fmt.Errorf("sa: %s is missing and is not generated in external CA mode (%s absent)",
			pki.KeyPath(in.readDir(), saName), pki.KeyPath(in.readDir(), constants.CACertAndKeyBaseName))
	}
	key, err := pki.NewKey(in.Keys, in.Cluster.EncryptionAlgorithm)
	if err != nil {
		return Result{}, fmt.Errorf("sa: %w", err)
	}
	dir = in.writeDir()
	if err := pki.WriteKey(dir, saName, key); err != nil {
		return Result{}, fmt.Errorf("sa: %w", err)
	}
	if err := pki.WritePublicKey(dir, saName, key.Public()); err != nil {
		return Result{}, fmt.Errorf("sa: %w", err)
	}
	res.Action = Generated
	res.Files = []string{pki.KeyPath(dir, saName), pki.PublicKeyPath(dir, saName)}
	return res, nil
}
