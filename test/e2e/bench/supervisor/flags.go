package supervisor

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"strings"
)

// readEnvFile returns the variables of a systemd EnvironmentFile; a missing
// file has none.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		vars[strings.TrimSpace(k)] = v
	}
	return vars, sc.Err()
}

// splitArgs splits a value the way systemd splits $VAR in ExecStart: on
// whitespace, keeping quoted parts together.
func splitArgs(s string) []string {
	var args []string
	var cur strings.Builder
	var quote rune
	inArg := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote, inArg = r, true
		case quote == 0 && (r == ' ' || r == '\t' || r == '\n'):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// KubeletArgs builds the kubelet command line as kubeadm's systemd drop-in
// does: kubeconfig flags, --config, $KUBELET_KUBEADM_ARGS,
// $KUBELET_EXTRA_ARGS, then the node's own extra arguments. The kubeconfig
// flags are left out while neither kubeconfig exists, so that a kubelet
// without a cluster runs standalone.
func KubeletArgs(exists func(string) bool, env func(string) (map[string]string, error), extra []string) ([]string, error) {
	var args []string
	if exists(BootstrapKubeconfig) || exists(Kubeconfig) {
		args = append(args, "--bootstrap-kubeconfig="+BootstrapKubeconfig, "--kubeconfig="+Kubeconfig)
	}
	args = append(args, "--config="+KubeletConfig)
	kubeadm, err := env(KubeadmFlagsEnv)
	if err != nil {
		return nil, err
	}
	args = append(args, splitArgs(kubeadm["KUBELET_KUBEADM_ARGS"])...)
	defaults, err := env(DefaultsEnv)
	if err != nil {
		return nil, err
	}
	args = append(args, splitArgs(defaults["KUBELET_EXTRA_ARGS"])...)
	return append(args, extra...), nil
}
