package joinflow

// The --help texts of `kubeadm join phase <name>`: what each phase does,
// and how to run it alone.
const (
	preflightLong = `Check that this machine can join the cluster before anything on it is changed,
as 'kubeadm join' does first; a control-plane join checks more. A failed check
stops join; name it in --ignore-preflight-errors to make it a warning instead.`
	preflightExample = `  # Run join's pre-flight checks with the settings of a configuration file
  kubeadm join phase preflight --config join-config.yaml`

	controlPlanePrepareLong = `Prepare this machine to serve a control plane: get the shared certificates
(from the kubeadm-certs Secret with --certificate-key, or copied by hand), then
write this node's certificates, kubeconfig files and static Pod manifests.
Skipped when the node does not join as a control plane.`
	controlPlanePrepareExample = `  # Prepare a control plane as 'kubeadm join --control-plane' does
  kubeadm join phase control-plane-prepare all 10.0.0.1:6443 --control-plane \
    --token abcdef.0123456789abcdef \
    --discovery-token-ca-cert-hash sha256:<hash> --certificate-key <key>`

	etcdJoinLong = `Add this control plane's etcd member to the cluster's local etcd, as a learner
promoted to a voting member once it has caught up, and write its static Pod
manifest. Skipped for worker nodes and with an external etcd.`
	etcdJoinExample = `  # Join etcd as 'kubeadm join --control-plane' does
  kubeadm join phase etcd-join --config join-config.yaml`

	controlPlaneJoinLong = `The steps that make this machine a control-plane node once its components
run. Skipped when the node does not join as a control plane.`
	controlPlaneJoinExample = `  # Finish a control-plane join as 'kubeadm join --control-plane' does
  kubeadm join phase control-plane-join all --config join-config.yaml`

	kubeletStartLong = `Write the kubelet's configuration, the environment file with this node's
kubelet flags and the bootstrap kubeconfig, then (re)start the kubelet so that
it gets its client certificate from the cluster (TLS bootstrap).`
)
