package upgrade

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

const hdr = "--- /etc/kubernetes/manifests/kube-apiserver.yaml\n+++ new manifest\n"

func TestDiff(t *testing.T) {
	seven := "l1\nl2\nl3\nl4\nl5\nl6\nl7\n"
	tests := []struct {
		name            string
		current, target string
		context         int
		want            string // without the header; "" means no diff at all
	}{
		{name: "identical", current: seven, target: seven, context: 3},
		{name: "both empty", context: 3},
		{name: "one line changed", current: seven, target: strings.Replace(seven, "l4", "L4", 1), context: 3,
			want: "@@ -1,7 +1,7 @@\n l1\n l2\n l3\n-l4\n+L4\n l5\n l6\n l7\n"},
		{name: "context honoured", current: seven, target: strings.Replace(seven, "l4", "L4", 1), context: 1,
			want: "@@ -3,3 +3,3 @@\n l3\n-l4\n+L4\n l5\n"},
		{name: "no context", current: seven, target: strings.Replace(seven, "l4", "L4", 1), context: 0,
			want: "@@ -4 +4 @@\n-l4\n+L4\n"},
		{name: "negative context is none", current: seven, target: strings.Replace(seven, "l4", "L4", 1), context: -2,
			want: "@@ -4 +4 @@\n-l4\n+L4\n"},
		{name: "insert at start", current: "a\nb\nc\n", target: "new\na\nb\nc\n", context: 3,
			want: "@@ -1,3 +1,4 @@\n+new\n a\n b\n c\n"},
		{name: "insert at start without context", current: "a\nb\nc\n", target: "new\na\nb\nc\n", context: 0,
			want: "@@ -0,0 +1 @@\n+new\n"},
		{name: "insert at end", current: "a\nb\nc\n", target: "a\nb\nc\nnew\n", context: 3,
			want: "@@ -1,3 +1,4 @@\n a\n b\n c\n+new\n"},
		{name: "insert at end without context", current: "a\nb\nc\n", target: "a\nb\nc\nnew\nnewer\n", context: 0,
			want: "@@ -3,0 +4,2 @@\n+new\n+newer\n"},
		{name: "delete in the middle", current: seven, target: "l1\nl2\nl3\nl5\nl6\nl7\n", context: 1,
			want: "@@ -3,3 +3,2 @@\n l3\n-l4\n l5\n"},
		{name: "distant changes make two hunks", current: seven, target: "L1\nl2\nl3\nl4\nl5\nl6\nL7\n", context: 2,
			want: "@@ -1,3 +1,3 @@\n-l1\n+L1\n l2\n l3\n@@ -5,3 +5,3 @@\n l5\n l6\n-l7\n+L7\n"},
		{name: "changes within twice the context share a hunk", current: seven, target: "l1\nL2\nl3\nl4\nl5\nL6\nl7\n", context: 2,
			want: "@@ -1,7 +1,7 @@\n l1\n-l2\n+L2\n l3\n l4\n l5\n-l6\n+L6\n l7\n"},
		{name: "changes beyond twice the context split", current: seven, target: "l1\nL2\nl3\nl4\nl5\nL6\nl7\n", context: 1,
			want: "@@ -1,3 +1,3 @@\n l1\n-l2\n+L2\n l3\n@@ -5,3 +5,3 @@\n l5\n-l6\n+L6\n l7\n"},
		{name: "removed lines come before added ones", current: "a\nb\nc\nd\n", target: "a\nX\nY\nd\n", context: 1,
			want: "@@ -1,4 +1,4 @@\n a\n-b\n-c\n+X\n+Y\n d\n"},
		{name: "new file", current: "", target: "a\nb\n", context: 3,
			want: "@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{name: "emptied file", current: "a\n", target: "", context: 3,
			want: "@@ -1 +0,0 @@\n-a\n"},
		{name: "missing final newline", current: "a\nb", target: "a\nb\n", context: 3,
			want: "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{name: "image bump", context: 3,
			current: "spec:\n  containers:\n  - command:\n    - kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.36.4\n    name: kube-apiserver\n",
			target:  "spec:\n  containers:\n  - command:\n    - kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.37.1\n    name: kube-apiserver\n",
			want: "@@ -2,5 +2,5 @@\n   containers:\n   - command:\n     - kube-apiserver\n" +
				"-    image: registry.k8s.io/kube-apiserver:v1.36.4\n+    image: registry.k8s.io/kube-apiserver:v1.37.1\n     name: kube-apiserver\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff("/etc/kubernetes/manifests/kube-apiserver.yaml", []byte(tt.current), []byte(tt.target), tt.context)
			want := ""
			if tt.want != "" {
				want = hdr + tt.want
			}
			if got != want {
				t.Errorf("Diff =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestDiffRandom checks on random inputs that applying the diff to the
// old text gives the new one and that the diff changes no more lines than
// the shortest edit script needs.
func TestDiffRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	gen := func() string {
		var b strings.Builder
		for range rng.Intn(14) {
			b.WriteString(strconv.Itoa(rng.Intn(4)) + "\n")
		}
		if rng.Intn(5) == 0 {
			return strings.TrimSuffix(b.String(), "\n")
		}
		return b.String()
	}
	for i := range 2000 {
		a, b, n := gen(), gen(), rng.Intn(4)
		d := Diff("a", []byte(a), []byte(b), n)
		if (d == "") != (a == b) {
			t.Fatalf("case %d: Diff(%q, %q) = %q", i, a, b, d)
		}
		if d == "" {
			continue
		}
		got, changed, err := applyUnified(a, d)
		if err != nil {
			t.Fatalf("case %d: %v in diff of %q to %q:\n%s", i, err, a, b, d)
		}
		if got != b {
			t.Fatalf("case %d: patching %q gives %q, want %q:\n%s", i, a, got, b, d)
		}
		x, y := splitLines([]byte(a)), splitLines([]byte(b))
		if want := len(x) + len(y) - 2*lcsLen(x, y); changed != want {
			t.Fatalf("case %d: %d changed lines, the minimum is %d:\n%s", i, changed, want, d)
		}
	}
}

func TestDiffLongInputs(t *testing.T) {
	var a, b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&a, "line %d\n", i)
		fmt.Fprintf(&b, "line %d\n", i+5000*(i%2)) // every other line differs
	}
	d := Diff("a", []byte(a.String()), []byte(b.String()), 3)
	got, _, err := applyUnified(a.String(), d)
	if err != nil || got != b.String() {
		t.Fatalf("patching the long input failed: %v", err)
	}
}

// applyUnified applies a diff made by Diff (so with exact line numbers)
// and also returns how many lines it adds or removes.
func applyUnified(old, diff string) (string, int, error) {
	src := splitLines([]byte(old))
	lines := strings.SplitAfter(diff, "\n")
	var out []string
	pos, changed := 0, 0
	for i := 2; i < len(lines) && lines[i] != ""; i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "@@ "):
			var aStart, aLen int
			r := strings.Fields(l)[1][1:]
			if s, n, ok := strings.Cut(r, ","); ok {
				aStart, _ = strconv.Atoi(s)
				aLen, _ = strconv.Atoi(n)
			} else {
				aStart, _ = strconv.Atoi(r)
				aLen = 1
			}
			if aLen > 0 {
				aStart-- // 1-based; an empty range names the line before
			}
			if aStart < pos {
				return "", 0, fmt.Errorf("hunk %q goes backwards", l)
			}
			out = append(out, src[pos:aStart]...)
			pos = aStart
		case strings.HasPrefix(l, `\`):
			n := len(out) - 1
			if strings.HasPrefix(lines[i-1], "-") {
				continue
			}
			out[n] = strings.TrimSuffix(out[n], "\n")
		case l[0] == ' ' || l[0] == '-':
			body := l[1:]
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], `\`) {
				body = strings.TrimSuffix(body, "\n")
			}
			if pos >= len(src) || src[pos] != body {
				return "", 0, fmt.Errorf("line %q does not match the old text at %d", l, pos)
			}
			if l[0] == ' ' {
				out = append(out, body)
			} else {
				changed++
			}
			pos++
		case l[0] == '+':
			out = append(out, l[1:])
			changed++
		default:
			return "", 0, fmt.Errorf("unexpected line %q", l)
		}
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, ""), changed, nil
}

func lcsLen(x, y []string) int {
	t := make([][]int, len(x)+1)
	for i := range t {
		t[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	return t[0][0]
}
