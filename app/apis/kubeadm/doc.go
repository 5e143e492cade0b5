// Package kubeadm holds the kubeadm.k8s.io configuration API as this tool
// uses it: the v1beta4 types (which double as the in-memory model), decoding
// of multi-document files (v1beta4, and v1beta3 converted with a warning),
// static and dynamic defaults, and validation that reports every error with
// its field path.
package kubeadm
