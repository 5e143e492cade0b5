package config

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// MaxFileSize is the largest configuration file read. Real files are a few
// KiB; the limit keeps a wrong path such as /dev/zero from exhausting memory.
const MaxFileSize = 1 << 20

// ReadFile reads a configuration file of at most MaxFileSize bytes.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("read config file: %s is a directory", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config file %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("read config file %s: larger than %d MiB: not a kubeadm configuration file", path, MaxFileSize>>20)
	}
	return data, nil
}

// Load is the one way a command reads its --config: every kind (Init,
// Cluster, Join, Reset, Upgrade and the component configurations) is decoded
// as upstream's commands decode them. Unknown fields, unknown kinds and
// foreign documents are warnings in the result; repeated keys, repeated
// kinds and unsupported kubeadm versions are errors.
func Load(path string) (*kubeadm.Documents, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return kubeadm.DecodeLenient(path, data)
}

// LoadUpgrade returns the UpgradeConfiguration of upgrade plan|diff|apply|node:
// the file's (other kinds ignored), or an empty one when path is "", with
// its defaults.
func LoadUpgrade(path string) (*kubeadm.UpgradeConfiguration, []string, error) {
	cfg := &kubeadm.UpgradeConfiguration{}
	var warnings []string
	if path != "" {
		docs, err := Load(path)
		if err != nil {
			return nil, nil, err
		}
		if docs.Upgrade == nil {
			return nil, nil, fmt.Errorf("%s: no UpgradeConfiguration (apiVersion %s) document", path, kubeadm.V1beta4)
		}
		cfg, warnings = docs.Upgrade, docs.Warnings
	}
	kubeadm.SetUpgradeDefaults(cfg)
	if err := invalid(kubeadm.ValidateUpgrade(cfg)); err != nil {
		return nil, nil, prefixed(path, kubeadm.KindUpgrade, err)
	}
	return cfg, warnings, nil
}

// prefixed names the file and the document kind in a validation error.
func prefixed(path, kind string, err error) error {
	if path == "" {
		return err
	}
	return fmt.Errorf("%s (%s): %w", path, kind, err)
}

// errNoKubeadmDocument names what a file of component configurations alone
// lacks, in ValidateFile's warning.
var errNoKubeadmDocument = errors.New("no InitConfiguration, ClusterConfiguration, JoinConfiguration, ResetConfiguration or UpgradeConfiguration document")

// ValidateFile is `kubeadm config validate`: the file is decoded strictly
// (unknown fields, kinds and foreign documents are errors, as upstream's
// validate has them), then every kubeadm document in it is defaulted as its
// command would default it (host answers questions about the machine;
// nothing is probed when it is NoCRI) and validated. It returns the
// warnings, or one error naming the file and the document.
func ValidateFile(path string, allowExperimental bool, host Host) ([]string, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	docs, err := kubeadm.DecodeWith(path, data, kubeadm.DecodeOptions{Strict: true, AllowExperimental: allowExperimental})
	if err != nil {
		return nil, err
	}
	warnings := docs.Warnings
	if docs.Init == nil && docs.Cluster == nil && docs.Join == nil && docs.Reset == nil && docs.Upgrade == nil {
		// upstream's verdict: nothing of kubeadm's to refuse
		return append(warnings, fmt.Sprintf("%s: %s; only its component configurations were checked", path, errNoKubeadmDocument)), nil
	}
	if docs.Init != nil || docs.Cluster != nil {
		cfg := (&Init{Init: docs.Init, Cluster: docs.Cluster, Kubelet: docs.Kubelet, KubeProxy: docs.KubeProxy, KubeProxyRaw: docs.KubeProxyRaw}).fill()
		if docs.Init == nil {
			cfg.Init.Timeouts = kubeadm.WithControlPlaneTimeout(nil, docs.V1beta3ControlPlaneTimeout)
		}
		kind := kubeadm.KindInit
		if docs.Init == nil {
			kind = kubeadm.KindCluster
		}
		if err := cfg.Default(host); err != nil {
			return warnings, prefixed(path, kind, err)
		}
		warnings = append(warnings, cfg.Warnings...)
		cfg.Source, cfg.kinds = path, documentKinds(docs)
		if err := cfg.Validate(); err != nil {
			return warnings, err
		}
	}
	if docs.Join != nil {
		cfg := &Join{Join: docs.Join, Source: path}
		if err := cfg.Default(host); err != nil {
			return warnings, prefixed(path, kubeadm.KindJoin, err)
		}
		warnings = append(warnings, cfg.Warnings...)
		if err := cfg.Validate(); err != nil {
			return warnings, err
		}
	}
	if docs.Reset != nil {
		cfg := &Reset{Reset: docs.Reset}
		cfg.Default(host)
		err := cfg.Validate()
		warnings = append(warnings, cfg.Warnings...)
		if err != nil {
			return warnings, prefixed(path, kubeadm.KindReset, err)
		}
	}
	if docs.Upgrade != nil {
		kubeadm.SetUpgradeDefaults(docs.Upgrade)
		if err := invalid(kubeadm.ValidateUpgrade(docs.Upgrade)); err != nil {
			return warnings, prefixed(path, kubeadm.KindUpgrade, err)
		}
	}
	return warnings, nil
}
