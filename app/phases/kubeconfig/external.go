package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
)

// ValidateExternalCA checks, before init does anything else, that every
// kubeconfig file exists and trusts the CA when ca.key is absent. The
// order is upstream's: the files pointing at the local API server first.
func ValidateExternalCA(in Input) ([]Result, error) {
	return checkFiles(in,
		constants.ControllerManagerKubeConfig,
		constants.SchedulerKubeConfig,
		constants.AdminKubeConfig,
		constants.SuperAdminKubeConfig,
		constants.KubeletKubeConfig,
	)
}

func checkFiles(in Input, files ...string) ([]Result, error) {
	results := make([]Result, 0, len(files))
	for _, f := range files {
		r, err := checkExternal(in, f)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

// checkExternal checks a user-supplied file. Its server may be the one
// kubeadm would write; kubelet.conf may also use the control plane
// endpoint, which upstream's external CA check expects for it.
func checkExternal(in Input, file string) (Result, error) {
	if in.CACert == nil {
		return Result{}, fmt.Errorf("external CA mode: checking %s needs the CA certificate", file)
	}
	spec, err := specFor(in, file)
	if err != nil {
		return Result{}, fmt.Errorf("external CA mode: %w", err)
	}
	servers := []string{spec.Server}
	if file == constants.KubeletKubeConfig {
		cpe, _ := specFor(in, constants.AdminKubeConfig)
		if cpe.Server != spec.Server {
			servers = append(servers, cpe.Server)
		}
	}
	path := filepath.Join(outDir(in), file)
	res := Result{Phase: spec.Phase, Path: path, Server: spec.Server}

	warnings, err := kc.CheckFile(path, expectation(in, spec, servers...))
	if errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("external CA mode: the CA key is absent, so kubeconfig file %s must be provided: %w", path, fs.ErrNotExist)
	}
	if err != nil {
		return res, fmt.Errorf("external CA mode: %w", err)
	}
	if err := strictError(in, warnings); err != nil {
		return res, fmt.Errorf("external CA mode: %w", err)
	}
	res.Action, res.Warnings = External, warnings
	return res, nil
}
