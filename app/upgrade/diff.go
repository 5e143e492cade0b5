package upgrade

import (
	"bytes"
	"fmt"
	"strings"
)

// NewManifestLabel is the "+++" name of the generated side of a diff, as
// upstream's `kubeadm upgrade diff` labels it.
const NewManifestLabel = "new manifest"

// DefaultContextLines is the default of `kubeadm upgrade diff -c`.
const DefaultContextLines = 3

// Diff returns a unified diff that turns current (the manifest on disk at
// path name) into target, with contextLines unchanged lines around each
// change (negative counts as 0). Changes closer than twice the context are
// merged into one hunk. It returns "" when the two are equal.
func Diff(name string, current, target []byte, contextLines int) string {
	if bytes.Equal(current, target) {
		return ""
	}
	contextLines = max(contextLines, 0)
	a, b := splitLines(current), splitLines(target)
	script := editScript(a, b)

	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", name, NewManifestLabel)
	for _, h := range hunks(script, contextLines) {
		writeHunk(&out, script[h.from:h.to], a, b)
	}
	return out.String()
}

// splitLines cuts s after each newline; the last line lacks one when s
// does not end in a newline, and so differs from the same text with one.
func splitLines(s []byte) []string {
	if len(s) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(s), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// span is a half-open range of an edit script.
type span struct{ from, to int }

// hunks groups the changes of script with n lines of context each side,
// merging groups whose context would touch or overlap.
func hunks(script []edit, n int) []span {
	var out []span
	for i := 0; i < len(script); i++ {
		if script[i].op == opEqual {
			continue
		}
		from := max(i-n, 0)
		last := i // last changed edit in this hunk
		for j := i + 1; j < len(script); j++ {
			if script[j].op == opEqual {
				continue
			}
			if j-last-1 > 2*n {
				break
			}
			last = j
		}
		to := min(last+n+1, len(script))
		out = append(out, span{from, to})
		i = last
	}
	return out
}

// writeHunk writes one "@@ -a,b +c,d @@" hunk. Inside each run of changes
// the removed lines come before the added ones.
func writeHunk(out *strings.Builder, h []edit, a, b []string) {
	aStart, bStart := h[0].a, h[0].b
	aLen, bLen := 0, 0
	for _, e := range h {
		if e.op != opInsert {
			aLen++
		}
		if e.op != opDelete {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for i := 0; i < len(h); {
		if h[i].op == opEqual {
			writeLine(out, ' ', a[h[i].a])
			i++
			continue
		}
		j := i
		for j < len(h) && h[j].op != opEqual {
			j++
		}
		for _, e := range h[i:j] {
			if e.op == opDelete {
				writeLine(out, '-', a[e.a])
			}
		}
		for _, e := range h[i:j] {
			if e.op == opInsert {
				writeLine(out, '+', b[e.b])
			}
		}
		i = j
	}
}

// hunkRange formats a 0-based start and a length the way diff -u does:
// 1-based, the length left out when it is 1, and an empty range named by
// the line before it.
func hunkRange(start, length int) string {
	switch length {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, length)
}

func writeLine(out *strings.Builder, mark byte, line string) {
	out.WriteByte(mark)
	out.WriteString(line)
	if !strings.HasSuffix(line, "\n") {
		out.WriteString("\n\\ No newline at end of file\n")
	}
}
