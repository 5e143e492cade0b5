// Package upgrade holds the pure parts of `kubeadm upgrade`: the version
// skew policy that decides whether a cluster may move to a target version,
// the plan shown by `kubeadm upgrade plan` (text, and the
// output.kubeadm.k8s.io/v1alpha3 UpgradePlan object for -o json|yaml), the
// unified diff of static Pod manifests shown by `kubeadm upgrade diff`, the
// ordered list of control-plane components an upgrade rewrites, and the
// rollout that rewrites them one by one and puts them all back (restoring
// etcd's data) when one does not come up.
//
// Nothing here talks to the API server, reads the host or prints: callers
// gather the cluster's versions and manifests and render the results, and
// give the rollout its manifest store and static Pod watcher as interfaces
// (app/upgradeflow has the real ones, the tests fakes).
package upgrade
