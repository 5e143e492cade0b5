package tokens

import (
	"fmt"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
)

// FromInitConfig returns the bootstrap tokens of an init configuration file
// (`kubeadm token create --config`), as init would create them: defaulted
// (one token when the file has none), with missing token values generated,
// and validated. Errors name the file and the token's index; the warnings
// are the loader's (ignored fields and documents).
func FromInitConfig(path string) ([]kubeadm.BootstrapToken, []string, error) {
	cfg, err := config.LoadInitFile(path)
	if err != nil {
		return nil, nil, err
	}
	kubeadm.SetInitDefaults(cfg.Init)
	list := cfg.Init.BootstrapTokens
	var msgs []string
	for i := range list {
		t := &list[i]
		if t.Token == nil || t.Token.ID == "" {
			if t.Token, err = kubeadm.NewBootstrapTokenString(); err != nil {
				return nil, nil, err
			}
		}
		for _, e := range kubeadm.ValidateBootstrapToken(t) {
			msgs = append(msgs, fmt.Sprintf("bootstrapTokens[%d].%s: %s", i, strings.TrimPrefix(e.Field, "token."), e.ErrorBody()))
		}
	}
	if len(msgs) > 0 {
		return nil, nil, fmt.Errorf("%s (%s): %s", path, kubeadm.KindInit, strings.Join(msgs, "; "))
	}
	return list, cfg.Warnings, nil
}
