// Package pki holds the key and certificate primitives kubeadm's phases are
// built on: generating RSA and ECDSA keys, making self-signed CAs and leaf
// certificates from a small CertConfig, PEM encoding and decoding, reading
// and writing cert/key pairs under a certificates directory by base name,
// and the checks later commands need (validity period, issuer, SANs, key
// type of an existing key).
//
// Formats follow upstream kubeadm so that files are interchangeable: keys
// are written as PKCS#1 "RSA PRIVATE KEY" or SEC 1 "EC PRIVATE KEY" blocks,
// public keys as PKIX "PUBLIC KEY" blocks, private and public key files with
// mode 0600, certificates with mode 0644.
package pki
