// Package manifests builds the static Pods of a kubeadm control plane
// (etcd, kube-apiserver, kube-controller-manager and kube-scheduler) as
// typed core/v1 objects, renders them as YAML and tells whether a manifest
// already on disk is the one that would be written.
//
// The Pods are meant to be indistinguishable from the ones upstream kubeadm
// writes for the same configuration: the same flags in the same order, the
// same volumes, mounts, probes, resources, labels and annotations. Upstream
// merges component arguments by sorting its defaults by name and appending
// the user's extra arguments, in the order given, after them; a default
// named by any extra argument is dropped. This package does the same.
//
// Facts that come from the machine rather than from the configuration
// (which host paths exist, the process environment, the health-check
// timeout) are read through Options, so that callers and tests can make
// them deterministic. The package-level functions use the real host.
package manifests
