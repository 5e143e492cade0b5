package config

// NoCRI is a Host for commands that never talk to the container runtime
// (certs generate-csr, kubeconfig user): the runtime socket is not probed
// and containerd's is assumed, as upstream's SkipCRIDetect does.
type NoCRI struct{ Host }

// DetectCRISocket returns containerd's socket without probing.
func (NoCRI) DetectCRISocket() (string, error) {
	return "unix:///var/run/containerd/containerd.sock", nil
}
