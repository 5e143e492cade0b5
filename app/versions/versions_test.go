package versions

import "testing"

func TestResolve(t *testing.T) {
	cases := []struct {
		in, want string
		label    bool
	}{
		{"v1.37.1", "v1.37.1", false},
		{"1.37.0", "v1.37.0", false},
		{"stable", DefaultKubernetesVersion, true},
		{"stable-1", DefaultKubernetesVersion, true},
		{"latest", DefaultKubernetesVersion, true},
		{"stable-1.37", "v1.37.1", true},
		{"latest-1.36", "v1.36.3", true},
		{"release/stable-1.36.txt", "v1.36.3", true},
		{"stable-1.30", "stable-1.30", false},
		{"ci/latest", "ci/latest", false},
		{"", "", false},
		{"banana", "banana", false},
	}
	for _, c := range cases {
		got, label := Resolve(c.in)
		if got != c.want || label != c.label {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", c.in, got, label, c.want, c.label)
		}
	}
}
