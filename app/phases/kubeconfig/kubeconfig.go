// Package kubeconfig is the "kubeconfig" phase of kubeadm init (and the
// kubeconfig step of join --control-plane): it writes admin.conf,
// super-admin.conf, kubelet.conf, controller-manager.conf and
// scheduler.conf with client certificates signed by the cluster CA, reuses
// files that already trust that CA, and in external CA mode (no CA key)
// only checks the files the user supplied.
package kubeconfig

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// Input is everything the phase needs.
type Input struct {
	// Cluster supplies ClusterName, ControlPlaneEndpoint,
	// EncryptionAlgorithm and CertificateValidityPeriod.
	Cluster *kubeadm.ClusterConfiguration
	// NodeName is this node's name, the identity inside kubelet.conf.
	NodeName string
	// LocalAPIEndpoint is this node's API server address and port.
	LocalAPIEndpoint kubeadm.APIEndpoint
	// CACert is the cluster CA certificate (ca.crt); CAIntermediates are
	// any further certificates of that file, trusted as well.
	CACert          *x509.Certificate
	CAIntermediates []*x509.Certificate
	// CAKey is the CA key (ca.key). Nil means external CA mode: no file is
	// written and every file must already exist and trust CACert.
	CAKey crypto.Signer
	// OutDir receives the files; empty means /etc/kubernetes. Dry runs
	// point it at a temporary directory.
	OutDir string
	// Now is the clock certificate validity starts from; nil is time.Now.
	Now func() time.Time
	// Strict turns the problems upstream only warns about (another server
	// URL, an unusable client certificate) into errors.
	Strict bool
	// Keys supplies new keys; nil means generate each when needed.
	Keys pki.KeySource
}

// Action says what happened to one file.
type Action string

// The possible actions.
const (
	// Created: the file was missing and has been written.
	Created Action = "created"
	// Reused: the file existed, trusts the CA and was left alone.
	Reused Action = "reused"
	// External: external CA mode; the user's file was checked and kept.
	External Action = "external"
)

// Result reports one file.
type Result struct {
	Phase  string // sub-phase name, e.g. "admin"
	Path   string // file written or checked
	Server string // server URL expected in the file
	Action Action
	// Warnings are tolerated mismatches of a reused or external file; each
	// wraps kubeconfig.ErrServerMismatch or kubeconfig.ErrClientCert.
	Warnings []error
}

// SubPhase names one sub-phase and the file it writes.
type SubPhase struct {
	Name string
	File string
}

// SubPhases returns the sub-phases of `kubeadm init phase kubeconfig`
// in the order init runs them.
func SubPhases() []SubPhase {
	return []SubPhase{
		{Name: "admin", File: constants.AdminKubeConfig},
		{Name: "super-admin", File: constants.SuperAdminKubeConfig},
		{Name: "kubelet", File: constants.KubeletKubeConfig},
		{Name: "controller-manager", File: constants.ControllerManagerKubeConfig},
		{Name: "scheduler", File: constants.SchedulerKubeConfig},
	}
}

// JoinControlPlaneFiles are the files join --control-plane writes; the
// kubelet gets its kubelet.conf through TLS bootstrap instead.
func JoinControlPlaneFiles() []string {
	return []string{
		constants.AdminKubeConfig,
		constants.ControllerManagerKubeConfig,
		constants.SchedulerKubeConfig,
	}
}

// Run runs every sub-phase in order and stops at the first error; the
// results of the files handled so far are returned with it.
func Run(in Input) ([]Result, error) {
	var files []string
	for _, p := range SubPhases() {
		files = append(files, p.File)
	}
	return RunFiles(in, files...)
}

// RunPhase runs the sub-phase called name ("admin", "kubelet", ...).
func RunPhase(in Input, name string) (Result, error) {
	for _, p := range SubPhases() {
		if p.Name == name {
			return ensureFile(in, p.File)
		}
	}
	return Result{}, fmt.Errorf("kubeconfig phase: unknown sub-phase %q", name)
}

// RunFiles ensures the named files (base names such as "admin.conf") in
// order and stops at the first error.
func RunFiles(in Input, files ...string) ([]Result, error) {
	results := make([]Result, 0, len(files))
	for _, f := range files {
		r, err := ensureFile(in, f)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

// ensureFile creates, reuses or (external CA) checks one file.
func ensureFile(in Input, file string) (Result, error) {
	if in.CAKey == nil {
		return checkExternal(in, file)
	}
	if in.CACert == nil {
		return Result{}, fmt.Errorf("kubeconfig %s: the CA certificate is required", file)
	}
	spec, err := specFor(in, file)
	if err != nil {
		return Result{}, err
	}
	path := filepath.Join(outDir(in), file)
	res := Result{Phase: spec.Phase, Path: path, Server: spec.Server}

	warnings, err := kc.CheckFile(path, expectation(in, spec, spec.Server))
	switch {
	case err == nil:
		if err := strictError(in, warnings); err != nil {
			return res, err
		}
		res.Action, res.Warnings = Reused, warnings
		return res, nil
	case !errors.Is(err, fs.ErrNotExist):
		return res, fmt.Errorf("kubeconfig phase %s: %w", spec.Phase, err)
	}

	cfg, err := build(in, spec)
	if err != nil {
		return res, fmt.Errorf("kubeconfig phase %s: %w", spec.Phase, err)
	}
	if err := kc.WriteFile(path, cfg); err != nil {
		return res, fmt.Errorf("kubeconfig phase %s: %w", spec.Phase, err)
	}
	res.Action = Created
	return res, nil
}

// strictError joins the warnings into one error in strict mode.
func strictError(in Input, warnings []error) error {
	if !in.Strict || len(warnings) == 0 {
		return nil
	}
	return errors.Join(warnings...)
}

func outDir(in Input) string {
	if in.OutDir == "" {
		return constants.KubernetesDir
	}
	return in.OutDir
}

func now(in Input) time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}
