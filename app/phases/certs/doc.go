// Package certs is the certs phase of `kubeadm init` expressed as data: an
// ordered list of sub-phases (the three CAs, the certificates each signs and
// the service-account key pair), each of which creates its files under the
// certificates directory or reuses valid ones already there, and returns
// what it did instead of printing it.
//
// The rules follow upstream kubeadm (cmd/kubeadm/app/phases/certs and
// cmd/phases/init/certs.go): an existing CA is reused; an existing leaf is
// reused only if its key matches, it is signed by its CA, it is within its
// validity period and it carries every required SAN, and otherwise the
// sub-phase fails rather than overwrite it; a CA whose certificate is
// present but whose key is absent is an external CA, for which nothing is
// generated and every certificate it signs must already be present.
package certs
