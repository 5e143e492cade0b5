// Package upgrade holds the pure parts of `kubeadm upgrade`: the version
// skew policy that decides whether a cluster may move to a target version,
// the plan shown by `kubeadm upgrade plan` (text, and the
// output.kubeadm.k8s.io/v1alpha3 UpgradePlan object for -o json|yaml), the
// unified diff of static Pod manifests shown by `kubeadm upgrade diff`, and
// the ordered list of control-plane components an upgrade rewrites.
//
// Nothing here talks to the API server, reads the host or prints: callers
// gather the cluster's versions and manifests and render the results.
package upgrade
