package config

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// Migrate turns a configuration file of kubeadm.k8s.io/v1beta3 or v1beta4
// documents into the v1beta4 file kubeadm reads it as (`kubeadm config
// migrate`): each document is decoded strictly, converted, given its static
// defaults and validated, then written in upstream's order: Init, Cluster,
// Join, Reset, Upgrade. An InitConfiguration or ClusterConfiguration alone
// gets the other one, as upstream writes both.
//
// Values that depend on the machine or the run (node name, advertise
// address, CRI socket, bootstrap token values) are left as the file has them,
// for the command that uses the file to fill in. KubeletConfiguration and
// KubeProxyConfiguration documents are kept as written (fields in sorted
// order), after the kubeadm documents; upstream drops them with a warning.
//
// source names the file in errors. The warnings are those of decoding,
// without the v1beta3 deprecation notices this command answers.
func Migrate(source string, data []byte, allowExperimental bool) ([]byte, []string, error) {
	docs, err := kubeadm.DecodeWith(source, data, kubeadm.DecodeOptions{Strict: true, AllowExperimental: allowExperimental})
	if err != nil {
		return nil, nil, err
	}
	var objs []any
	if docs.Init != nil || docs.Cluster != nil {
		cfg := (&Init{Init: docs.Init, Cluster: docs.Cluster}).fill()
		if docs.Init == nil {
			cfg.Init.Timeouts = kubeadm.WithControlPlaneTimeout(cfg.Init.Timeouts, docs.V1beta3ControlPlaneTimeout)
		}
		hadTokens := len(cfg.Init.BootstrapTokens) > 0
		kubeadm.SetClusterDefaults(cfg.Cluster)
		kubeadm.SetInitDefaults(cfg.Init)
		if !hadTokens {
			cfg.Init.BootstrapTokens = nil // generated when init runs
		}
		if err := kindErrors(source, kubeadm.KindInit+" and "+kubeadm.KindCluster, kubeadm.ValidateInit(cfg.Init, cfg.Cluster)); err != nil {
			return nil, nil, err
		}
		objs = append(objs, cfg.Init, cfg.Cluster)
	}
	if docs.Join != nil {
		kubeadm.SetJoinDefaults(docs.Join)
		if err := kindErrors(source, kubeadm.KindJoin, kubeadm.ValidateJoin(docs.Join)); err != nil {
			return nil, nil, err
		}
		objs = append(objs, docs.Join)
	}
	if docs.Reset != nil {
		kubeadm.SetResetDefaults(docs.Reset)
		if err := kindErrors(source, kubeadm.KindReset, kubeadm.ValidateReset(docs.Reset)); err != nil {
			return nil, nil, err
		}
		objs = append(objs, docs.Reset)
	}
	if docs.Upgrade != nil {
		kubeadm.SetUpgradeFileDefaults(docs.Upgrade)
		if err := kindErrors(source, kubeadm.KindUpgrade, kubeadm.ValidateUpgrade(docs.Upgrade)); err != nil {
			return nil, nil, err
		}
		objs = append(objs, docs.Upgrade)
	}
	if len(objs) == 0 {
		return nil, nil, fmt.Errorf("%s: no %s document to migrate (kinds: %s, %s, %s, %s, %s)", source, kubeadm.Group,
			kubeadm.KindInit, kubeadm.KindCluster, kubeadm.KindJoin, kubeadm.KindReset, kubeadm.KindUpgrade)
	}
	for _, raw := range [][]byte{docs.KubeletRaw, docs.KubeProxyRaw} {
		if raw != nil {
			objs = append(objs, json.RawMessage(raw))
		}
	}
	out, err := kubeadm.Encode(objs...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: write the migrated documents: %w", source, err)
	}
	var warnings []string
	for _, w := range docs.Warnings {
		if !strings.Contains(w, kubeadm.V1beta3+" is deprecated") {
			warnings = append(warnings, w)
		}
	}
	return out, warnings, nil
}

// kindErrors returns the validation errors of one kind as one line naming the
// file and the kind, or nil.
func kindErrors(source, kind string, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%s (%s): %s", source, kind, strings.Join(msgs, "; "))
}
