// Package reset is `kubeadm reset`: a best-effort revert of what init and
// join did to a node, as a table of phases (preflight, remove-etcd-member,
// cleanup-node) in upstream's names and order.
//
// preflight asks for confirmation unless forced and checks for root.
// remove-etcd-member runs on nodes with a local etcd manifest: it finds
// this node's own member by the name and peer URLs the manifest gives etcd
// and removes it from the cluster, refusing when that would cost the
// cluster its quorum unless forced. cleanup-node stops the kubelet, removes
// the static Pod manifests, the kubelet's pod sandboxes (through the CRI),
// the mounts and contents of the kubelet directory, the kubeconfig files,
// certificates and init state under the Kubernetes directory, and the
// local etcd data.
//
// Every host access goes through Deps (directories, init system, CRI,
// etcd, mounts, the confirmation prompt), so tests run in temporary
// directories with fakes. Nothing here prints: phases report through the
// progress reporter, and the command prints ManualCleanup at the end.
// Resetting a node twice is harmless: the second run finds nothing to do.
package reset
