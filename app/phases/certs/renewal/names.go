package renewal

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs"
)

// Kind says where a renewable certificate lives.
type Kind string

// The two kinds of renewable certificates.
const (
	// PKIFile is <certificatesDir>/<base>.crt with its key next to it.
	PKIFile Kind = "pki"
	// Kubeconfig is the client certificate embedded in a kubeconfig file
	// under the Kubernetes directory.
	Kubeconfig Kind = "kubeconfig"
)

// Cert describes one renewable certificate.
type Cert struct {
	// Name is the command-line name: "apiserver", "admin.conf", ...
	Name string
	// LongName describes it, as in "Renew the <LongName>".
	LongName string
	Kind     Kind
	// File is the base name under the certificates directory ("etcd/peer")
	// for a PKIFile, or the file name ("admin.conf") for a Kubeconfig.
	File string
	// CAName is the signing CA: "ca", "front-proxy-ca" or "etcd-ca".
	CAName string
	// CABaseName is the CA's base name under the certificates directory.
	CABaseName string
	// Etcd marks the certificates that exist only with a local etcd.
	Etcd bool
}

// Path is where the certificate is read from and written to.
func (c Cert) Path(opts RenewOptions) string {
	if c.Kind == Kubeconfig {
		return filepath.Join(opts.KubernetesDir, c.File)
	}
	return filepath.Join(opts.PKIDir, c.File+".crt")
}

// kubeconfigCerts are the kubeconfig files whose client certificate kubeadm
// renews; kubelet.conf is not one of them, the kubelet rotates its own.
var kubeconfigCerts = []Cert{
	{Name: constants.AdminKubeConfig, LongName: "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself"},
	{Name: constants.SuperAdminKubeConfig, LongName: "certificate embedded in the kubeconfig file for the super-admin"},
	{Name: constants.ControllerManagerKubeConfig, LongName: "certificate embedded in the kubeconfig file for the controller manager to use"},
	{Name: constants.SchedulerKubeConfig, LongName: "certificate embedded in the kubeconfig file for the scheduler manager to use"},
}

// Certs returns every renewable certificate sorted by name, as upstream
// lists them.
func Certs() []Cert {
	var out []Cert
	for _, s := range certs.Specs() {
		if s.IsCA() {
			continue
		}
		ca, _ := certs.SpecByName(s.CAName)
		out = append(out, Cert{
			Name: s.Name, LongName: s.LongName, Kind: PKIFile, File: s.BaseName,
			CAName: s.CAName, CABaseName: ca.BaseName, Etcd: s.Etcd,
		})
	}
	for _, k := range kubeconfigCerts {
		k.Kind, k.File = Kubeconfig, k.Name
		k.CAName, k.CABaseName = "ca", constants.CACertAndKeyBaseName
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b Cert) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// RenewableNames returns the name of every renewable certificate, sorted:
// admin.conf, apiserver, apiserver-etcd-client, apiserver-kubelet-client,
// controller-manager.conf, etcd-healthcheck-client, etcd-peer,
// etcd-server, front-proxy-client, scheduler.conf, super-admin.conf.
func RenewableNames() []string {
	var names []string
	for _, c := range Certs() {
		names = append(names, c.Name)
	}
	return names
}

// CertByName returns the renewable certificate called name.
func CertByName(name string) (Cert, error) {
	for _, c := range Certs() {
		if c.Name == name {
			return c, nil
		}
	}
	return Cert{}, fmt.Errorf("unknown certificate %q: must be one of %s", name, strings.Join(RenewableNames(), ", "))
}

// ComponentNames returns the certificates `kubeadm upgrade apply` renews
// before it restarts component (a static Pod name such as
// "kube-apiserver"), as upstream does: etcd's serving, peer and
// healthcheck certificates (local etcd only); the apiserver's serving,
// kubelet-client, front-proxy-client and, with local etcd, etcd-client
// certificates; the controller manager's and scheduler's kubeconfig.
// admin.conf and super-admin.conf are renewed after the control plane, and
// are not part of any component.
func ComponentNames(component string, externalEtcd bool) []string {
	switch component {
	case constants.Etcd:
		if externalEtcd {
			return nil
		}
		return []string{"etcd-server", "etcd-peer", "etcd-healthcheck-client"}
	case constants.KubeAPIServer:
		names := []string{"apiserver", "apiserver-kubelet-client", "front-proxy-client"}
		if !externalEtcd {
			names = append(names, "apiserver-etcd-client")
		}
		return names
	case constants.KubeControllerManager:
		return []string{constants.ControllerManagerKubeConfig}
	case constants.KubeScheduler:
		return []string{constants.SchedulerKubeConfig}
	}
	return nil
}

// CA describes one of the certificate authorities in the expiration report.
type CA struct {
	Name     string // "ca", "etcd-ca", "front-proxy-ca"
	BaseName string // "ca", "etcd/ca", "front-proxy-ca"
	Etcd     bool
}

// CAs returns the three CAs sorted by name.
func CAs() []CA {
	var out []CA
	for _, s := range certs.Specs() {
		if s.IsCA() {
			out = append(out, CA{Name: s.Name, BaseName: s.BaseName, Etcd: s.Etcd})
		}
	}
	slices.SortFunc(out, func(a, b CA) int { return strings.Compare(a.Name, b.Name) })
	return out
}
