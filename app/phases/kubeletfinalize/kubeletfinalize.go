// Package kubeletfinalize points kubelet.conf at the kubelet's rotating
// client certificate once the kubelet has one
// (/var/lib/kubelet/pki/kubelet-client-current.pem), so that the embedded
// first certificate is no longer used. It is done when kubelet.conf names
// that file; without the file (rotation disabled) there is nothing to do.
package kubeletfinalize

import (
	"fmt"
	"os"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
)

// Result says what EnableClientCertRotation did.
type Result string

// Results of EnableClientCertRotation.
const (
	Updated       Result = "updated"
	AlreadyDone   Result = "already points at the rotating certificate"
	NoRotatingPEM Result = "no rotating certificate: rotation is disabled"
)

// EnableClientCertRotation rewrites kubeconfigPath to use pemPath for the
// client certificate and key.
func EnableClientCertRotation(kubeconfigPath, pemPath string) (Result, error) {
	if _, err := os.Stat(pemPath); err != nil {
		return NoRotatingPEM, nil
	}
	cfg, err := clientcmd.LoadFromFile(kubeconfigPath)
	if err != nil {
		return "", fmt.Errorf("load %s: %w", kubeconfigPath, err)
	}
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok || ctx.AuthInfo == "" {
		return "", fmt.Errorf("%s: the current context %q has no user", kubeconfigPath, cfg.CurrentContext)
	}
	user, ok := cfg.AuthInfos[ctx.AuthInfo]
	if !ok {
		return "", fmt.Errorf("%s: no credentials for user %q", kubeconfigPath, ctx.AuthInfo)
	}
	if user.ClientCertificate == pemPath && user.ClientKey == pemPath && len(user.ClientCertificateData) == 0 {
		return AlreadyDone, nil
	}
	user.ClientCertificateData, user.ClientKeyData = nil, nil
	user.ClientCertificate, user.ClientKey = pemPath, pemPath
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", kubeconfigPath, err)
	}
	if err := atomicfile.Write(kubeconfigPath, b, 0o600); err != nil {
		return "", err
	}
	return Updated, nil
}
