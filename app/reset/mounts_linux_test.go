package reset

import (
	"slices"
	"testing"
)

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/kubelet/pods/x":       "/var/lib/kubelet/pods/x",
		`/var/lib/kubelet/my\040volume`: "/var/lib/kubelet/my volume",
		`/a\011b\134c`:                  "/a\tb\\c",
		`/trailing\04`:                  `/trailing\04`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalMountPoints(t *testing.T) {
	points, err := LocalMounts{}.MountPoints()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(points, "/") && !slices.Contains(points, "/proc") {
		t.Errorf("the mount table lacks / and /proc: %v", points)
	}
}
