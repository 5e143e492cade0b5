package main

import (
	"io"
	"strings"
	"testing"
)

// TestFeatureGatesHelp: the images commands list the one feature gate this
// release knows, in upstream's words.
func TestFeatureGatesHelp(t *testing.T) {
	const want = "A set of key=value pairs that describe feature gates for various features. Options are:\nRootlessControlPlane=true|false (ALPHA - default=false)"
	for _, path := range [][]string{{"config", "images", "list"}, {"config", "images", "pull"}} {
		t.Run(strings.Join(path, " "), func(t *testing.T) {
			root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
			cmd, _, err := root.Find(path)
			if err != nil {
				t.Fatal(err)
			}
			f := cmd.Flags().Lookup("feature-gates")
			if f == nil {
				t.Fatal("no --feature-gates")
			}
			if f.Usage != want {
				t.Fatalf("usage %q, want %q", f.Usage, want)
			}
		})
	}
}
