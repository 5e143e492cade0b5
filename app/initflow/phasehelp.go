package initflow

// The --help texts of `kubeadm init phase <name>`: what each phase does,
// and how to run it alone.
const (
	preflightLong = `Check that this machine can become the first control plane before anything on
it is changed, as 'kubeadm init' does first. A failed check stops init; name it
in --ignore-preflight-errors to make it a warning instead.`
	preflightExample = `  # Run init's pre-flight checks with the settings of a configuration file
  kubeadm init phase preflight --config kubeadm-config.yaml`

	etcdLocalLong = `Write the static Pod manifest of a single-member etcd (etcd.yaml in
/etc/kubernetes/manifests); the kubelet runs it. Skipped when the
ClusterConfiguration names an external etcd.`
	etcdLocalExample = `  # Write the etcd manifest as 'kubeadm init' does
  kubeadm init phase etcd local

  # Write it with the settings of a configuration file
  kubeadm init phase etcd local --config kubeadm-config.yaml`

	kubeletStartLong = `Write the kubelet's configuration (/var/lib/kubelet/config.yaml) and an
environment file with the flags specific to this node
(/var/lib/kubelet/kubeadm-flags.env), then (re)start the kubelet.`
	kubeletStartExample = `  # Write the kubelet files from a configuration file and restart the kubelet
  kubeadm init phase kubelet-start --config kubeadm-config.yaml`

	uploadKubeadmLong = `Store the ClusterConfiguration in the "kubeadm-config" ConfigMap of the
kube-system namespace, where 'kubeadm join' and 'kubeadm upgrade' read it.`
	uploadKubeadmExample = `  # Store the cluster's configuration from a configuration file
  kubeadm init phase upload-config kubeadm --config kubeadm-config.yaml`

	uploadKubeletLong = `Store the cluster-wide kubelet configuration (the KubeletConfiguration of the
configuration file with kubeadm's defaults) in the "kubelet-config" ConfigMap of
the kube-system namespace, with the RBAC that lets nodes read it.`
	uploadKubeletExample = `  # Store the kubelet configuration of a configuration file in the cluster
  kubeadm init phase upload-config kubelet --config kubeadm-config.yaml`

	uploadCertsLong = `Encrypt the certificates and keys that control planes share (the cluster and
front-proxy CAs, the service account key pair and, with a local etcd, the etcd
CA) with the certificate key and store them in the "kubeadm-certs" Secret of the kube-system namespace,
for control planes that join with --certificate-key. The Secret is deleted
after two hours. Without --certificate-key a new key is generated and printed.`
	uploadCertsExample = `  # Share the certificates with a new certificate key, printed at the end
  kubeadm init phase upload-certs --upload-certs`

	markControlPlaneLong = `Label this node node-role.kubernetes.io/control-plane and give it the taints
of its nodeRegistration (node-role.kubernetes.io/control-plane:NoSchedule by
default).`
	markControlPlaneExample = `  # Mark this node as 'kubeadm init' does
  kubeadm init phase mark-control-plane --config kubeadm-config.yaml

  # Mark the node with a given name
  kubeadm init phase mark-control-plane --node-name cp-1`

	bootstrapTokenLong = `Set up what nodes need to join with a bootstrap token: the bootstrap tokens of
the configuration (one generated token by default), the RBAC that lets nodes
authenticated by a token ask for and get their client certificates, and the
public "cluster-info" ConfigMap of the kube-public namespace that discovery
reads.`
	bootstrapTokenExample = `  # Set up bootstrap tokens as 'kubeadm init' does, with the token of a configuration file
  kubeadm init phase bootstrap-token --config kubeadm-config.yaml`

	kubeletFinalizeLong    = `Settings of the kubelet that can only change after its TLS bootstrap.`
	kubeletFinalizeExample = `  # Finish the kubelet's settings as 'kubeadm init' does
  kubeadm init phase kubelet-finalize all --config kubeadm-config.yaml`

	showJoinCommandLong = `Print the 'kubeadm join' commands for worker nodes and, with a
controlPlaneEndpoint, for control-plane nodes, with the first bootstrap token
and the hash of the cluster CA.`
)
