package upgradeflow

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
)

// nodeName is this node's name as the cluster knows it: the subject of
// the kubelet's client certificate (system:node:<name>).
func nodeName(kubernetesDir string) (string, error) {
	path := filepath.Join(kubernetesDir, constants.KubeletKubeConfig)
	cfg, err := kubeconfig.LoadFile(path)
	if err != nil {
		return "", fmt.Errorf("find this node's name: %w", err)
	}
	cert, err := kubeconfig.ClientCertificate(cfg)
	if err != nil {
		return "", fmt.Errorf("find this node's name in %s: %w", path, err)
	}
	name, ok := strings.CutPrefix(cert.Subject.CommonName, "system:node:")
	if !ok || name == "" {
		return "", fmt.Errorf("find this node's name: the client certificate of %s is for %q, not a node", path, cert.Subject.CommonName)
	}
	return name, nil
}
