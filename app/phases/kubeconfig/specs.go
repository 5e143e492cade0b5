package kubeconfig

import (
	"crypto/x509"
	"fmt"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
)

// FileSpec is how kubeadm makes one kubeconfig file.
type FileSpec struct {
	Phase         string
	File          string
	Server        string
	ClientName    string
	Organizations []string
}

// Spec returns the spec of one file (base name, e.g. "kubelet.conf").
//
// admin.conf and super-admin.conf point at the control plane endpoint
// (the local endpoint when none is set); kubelet.conf, controller-
// manager.conf and scheduler.conf point at this node's own API server, as
// kubeadm 1.37 does now that ControlPlaneKubeletLocalMode is always on.
func Spec(in Input, file string) (FileSpec, error) {
	return specFor(in, file)
}

func specFor(in Input, file string) (FileSpec, error) {
	if in.Cluster == nil {
		return FileSpec{}, fmt.Errorf("kubeconfig %s: cluster configuration is nil", file)
	}
	local, err := kc.LocalAPIEndpointURL(in.LocalAPIEndpoint)
	if err != nil {
		return FileSpec{}, fmt.Errorf("kubeconfig %s: %w", file, err)
	}
	cpe, err := kc.ControlPlaneEndpointURL(in.Cluster.ControlPlaneEndpoint, in.LocalAPIEndpoint)
	if err != nil {
		return FileSpec{}, fmt.Errorf("kubeconfig %s: %w", file, err)
	}
	s := FileSpec{File: file}
	switch file {
	case constants.AdminKubeConfig:
		s.Phase, s.Server, s.ClientName = "admin", cpe, constants.AdminUser
		s.Organizations = []string{constants.ClusterAdminsGroupAndClusterRoleBinding}
	case constants.SuperAdminKubeConfig:
		s.Phase, s.Server, s.ClientName = "super-admin", cpe, constants.SuperAdminUser
		s.Organizations = []string{constants.SystemPrivilegedGroup}
	case constants.KubeletKubeConfig:
		if in.NodeName == "" {
			return FileSpec{}, fmt.Errorf("kubeconfig %s: node name is empty", file)
		}
		s.Phase, s.Server, s.ClientName = "kubelet", local, constants.NodesUserPrefix+in.NodeName
		s.Organizations = []string{constants.NodesGroup}
	case constants.ControllerManagerKubeConfig:
		s.Phase, s.Server, s.ClientName = "controller-manager", local, constants.ControllerManagerUser
	case constants.SchedulerKubeConfig:
		s.Phase, s.Server, s.ClientName = "scheduler", local, constants.SchedulerUser
	default:
		return FileSpec{}, fmt.Errorf("kubeconfig %s: not a file kubeadm makes", file)
	}
	return s, nil
}

// build makes the kubeconfig of spec with a fresh client certificate.
func build(in Input, spec FileSpec) (*clientcmdapi.Config, error) {
	validity := constants.DefaultCertValidity
	if p := in.Cluster.CertificateValidityPeriod; p != nil {
		validity = p.Duration
	}
	certPEM, keyPEM, err := kc.NewClientCert(kc.ClientCertSpec{
		CACert:              in.CACert,
		CAKey:               in.CAKey,
		CommonName:          spec.ClientName,
		Organizations:       spec.Organizations,
		NotAfter:            now(in).UTC().Add(validity),
		EncryptionAlgorithm: in.Cluster.EncryptionAlgorithm,
		Keys:                in.Keys,
	})
	if err != nil {
		return nil, err
	}
	caPEM := kc.EncodeCertPEM(in.CACert.Raw)
	return kc.NewWithClientCert(spec.Server, clusterName(in), spec.ClientName, caPEM, certPEM, keyPEM), nil
}

// expectation is what an existing file for spec must match.
func expectation(in Input, spec FileSpec, servers ...string) kc.Expectation {
	cas := append([]*x509.Certificate{in.CACert}, in.CAIntermediates...)
	return kc.Expectation{
		CACerts:       cas,
		Servers:       servers,
		CommonName:    spec.ClientName,
		Organizations: spec.Organizations,
		Now:           now(in),
	}
}

func clusterName(in Input) string {
	if in.Cluster.ClusterName == "" {
		return constants.DefaultClusterName
	}
	return in.Cluster.ClusterName
}
