package main

import (
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// TestPrintResetUpgradeDefaults checks the printed defaults against golden
// files taken from upstream kubeadm v1.37 and that they read back valid.
func TestPrintResetUpgradeDefaults(t *testing.T) {
	cases := []struct {
		command, golden string
		check           func(*kubeadm.Documents) []string
	}{
		{"reset-defaults", "print-reset-defaults.yaml", func(d *kubeadm.Documents) []string {
			if d.Reset == nil {
				return []string{"no ResetConfiguration"}
			}
			return errorStrings(kubeadm.ValidateReset(d.Reset).ToAggregate())
		}},
		{"upgrade-defaults", "print-upgrade-defaults.yaml", func(d *kubeadm.Documents) []string {
			if d.Upgrade == nil {
				return []string{"no UpgradeConfiguration"}
			}
			return errorStrings(kubeadm.ValidateUpgrade(d.Upgrade).ToAggregate())
		}},
	}
	for _, c := range cases {
		t.Run(c.command, func(t *testing.T) {
			code, out, errOut := runArgs("config", "print", c.command)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			goldenFile(t, c.golden, []byte(out))
			docs, err := kubeadm.Decode(c.command, []byte(out))
			if err != nil {
				t.Fatalf("the output does not read back: %v", err)
			}
			if problems := c.check(docs); len(problems) > 0 {
				t.Errorf("the output does not validate: %v", problems)
			}
			if code, _, errOut := runArgs("config", "print", c.command, "--component-configs", "KubeletConfiguration"); code == 0 || !strings.Contains(errOut, "unknown flag: --component-configs") {
				t.Errorf("--component-configs is init-defaults only, as upstream: exit %d, %q", code, errOut)
			}
		})
	}
}

func errorStrings(err error) []string {
	if err == nil {
		return nil
	}
	return []string{err.Error()}
}
