package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clientset "k8s.io/client-go/kubernetes"
)

// clientFunc makes the API client of a command from a kubeconfig path;
// tests pass one that returns a fake clientset.
type clientFunc func(kubeconfig string) (clientset.Interface, error)

// durationFlag is a --ttl style flag: a Go duration, 0 for never, not
// negative. It shows as "duration" in --help, as upstream's does.
type durationFlag struct {
	d time.Duration
}

// String returns the duration as Go prints it (24h0m0s).
func (f *durationFlag) String() string { return f.d.String() }

// Type names the value in --help.
func (f *durationFlag) Type() string { return "duration" }

// Set parses a duration like 24h, 30m or 0 and refuses negative ones.
// pflag puts the flag and the value in front of the error.
func (f *durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration like 24h0m0s, 30m or 0 (never expires)")
	}
	if d < 0 {
		return fmt.Errorf("must not be negative (0 means never expires)")
	}
	f.d = d
	return nil
}

// tokenFlags names the `token create` flag behind each field of a
// validated BootstrapToken.
var tokenFlags = map[string]string{"token.ttl": "--ttl", "token.usages": "--usages", "token.groups": "--groups", "token.description": "--description"}

// tokenFlagErrors turns field errors of a BootstrapToken built from flags
// into one line naming the flags.
func tokenFlagErrors(errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		name := e.Field
		if j := strings.IndexByte(name, '['); j >= 0 {
			name = name[:j]
		}
		if flag, ok := tokenFlags[name]; ok {
			msgs[i] = flag + ": " + e.ErrorBody()
		} else {
			msgs[i] = e.Error()
		}
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

// notWithConfig refuses positional arguments and the named flags next to
// --config, whose file sets them instead.
func notWithConfig(cmd *cobra.Command, args []string, flags ...string) error {
	if len(args) > 0 {
		return fmt.Errorf("can not mix '--config' with the token argument %q: set bootstrapTokens in the file", args[0])
	}
	for _, f := range flags {
		if cmd.Flags().Changed(f) {
			return fmt.Errorf("can not mix '--config' with --%s: set it in the file's bootstrapTokens", f)
		}
	}
	return nil
}
