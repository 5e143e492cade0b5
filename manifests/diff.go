package manifests

import (
	"bytes"
	"strings"
)

// lineDiff lists, line by line, how to turn a into b: lines only in a
// start with "-", lines only in b with "+", common lines are left out.
// It uses a longest-common-subsequence table, which is fine for manifests
// of a few hundred lines.
func lineDiff(a, b []byte) string {
	x := splitLines(a)
	y := splitLines(b)
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i++
			j++
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("-" + x[i] + "\n")
			i++
		default:
			out.WriteString("+" + y[j] + "\n")
			j++
		}
	}
	return out.String()
}

func splitLines(b []byte) []string {
	s := string(bytes.TrimSuffix(b, []byte("\n")))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
