package manifests

import (
	"sort"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// flags is an ordered list of a component's default arguments.
type flags []kubeadm.Arg

// set gives the last argument called name the value, or appends the
// argument when there is none.
func (f flags) set(name, value string) flags {
	for i := len(f) - 1; i >= 0; i-- {
		if f[i].Name == name {
			f[i].Value = value
			return f
		}
	}
	return append(f, kubeadm.Arg{Name: name, Value: value})
}

// lastArg returns the value of the last argument called name in args and
// whether there is one. The last occurrence wins, as on a command line.
func lastArg(args []kubeadm.Arg, name string) (string, bool) {
	for i := len(args) - 1; i >= 0; i-- {
		if args[i].Name == name {
			return args[i].Value, true
		}
	}
	return "", false
}

// command renders binary followed by its "--name=value" flags: the
// defaults sorted by name (then value), minus every default that an extra
// argument names, then all extra arguments in the order given, repeated
// names included.
func command(binary string, defaults flags, extra []kubeadm.Arg) []string {
	base := make(flags, len(defaults))
	copy(base, defaults)
	sort.SliceStable(base, func(i, j int) bool {
		if base[i].Name != base[j].Name {
			return base[i].Name < base[j].Name
		}
		return base[i].Value < base[j].Value
	})

	overridden := make(map[string]bool, len(extra))
	for _, a := range extra {
		overridden[a.Name] = true
	}

	out := make([]string, 0, 1+len(base)+len(extra))
	out = append(out, binary)
	for _, a := range base {
		if !overridden[a.Name] {
			out = append(out, "--"+a.Name+"="+a.Value)
		}
	}
	for _, a := range extra {
		out = append(out, "--"+a.Name+"="+a.Value)
	}
	return out
}
