package upgrade

// opKind says what an edit does with a line.
type opKind byte

const (
	opEqual opKind = iota
	opDelete
	opInsert
)

// edit is one step of an edit script. a and b are the positions in the
// old and new lines at this step: the line kept or deleted is a[a], the
// line kept or inserted is b[b].
type edit struct {
	op   opKind
	a, b int
}

// maxEditDistance bounds the work of the Myers search (its memory grows
// with the square of the distance); beyond it the differing middle is
// shown as wholly replaced, which is still a correct diff.
const maxEditDistance = 2000

// editScript returns a shortest edit script turning a into b. Common
// leading and trailing lines are matched first, so the search only runs
// over the part that changed.
func editScript(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var script []edit
	for i := 0; i < pre; i++ {
		script = append(script, edit{opEqual, i, i})
	}
	for _, e := range myers(a[pre:len(a)-suf], b[pre:len(b)-suf]) {
		script = append(script, edit{e.op, e.a + pre, e.b + pre})
	}
	for i := suf; i > 0; i-- {
		script = append(script, edit{opEqual, len(a) - i, len(b) - i})
	}
	return script
}

// myers runs Myers' O(ND) greedy search for the furthest-reaching path on
// each diagonal k = x - y, remembering the frontier of every round so the
// path can be walked back.
func myers(a, b []string) []edit {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(n, m)
	}
	// frontier[d] holds, for k in -d-1..d+1, the furthest x reached on
	// diagonal k before round d; index k+d+1.
	var frontier [][]int
	limit := min(n+m, maxEditDistance)
	off := limit + 2 // v[k+off] is the furthest x on diagonal k
	v := make([]int, 2*off+1)
	for d := 0; d <= n+m; d++ {
		if d > limit {
			return replaceAll(n, m)
		}
		frontier = append(frontier, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			x := v[k-1+off] + 1 // step right: delete a line of a
			if k == -d || (k != d && v[k-1+off] < v[k+1+off]) {
				x = v[k+1+off] // step down: insert a line of b
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[k+off] = x
			if x >= n && y >= m {
				return walkBack(frontier, n, m)
			}
		}
	}
	return replaceAll(n, m) // not reached: d = n+m always ends the search
}

// walkBack rebuilds the edit script from the saved frontiers, from the end
// of both inputs back to their start.
func walkBack(frontier [][]int, n, m int) []edit {
	var rev []edit
	x, y := n, m
	for d := len(frontier) - 1; d >= 0; d-- {
		at := func(k int) int { return frontier[d][k+d+1] }
		k := x - y
		prevK := k - 1
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, edit{opEqual, x, y})
		}
		if d > 0 {
			if x == prevX {
				rev = append(rev, edit{opInsert, x, prevY})
			} else {
				rev = append(rev, edit{opDelete, prevX, y})
			}
		}
		x, y = prevX, prevY
	}
	out := make([]edit, len(rev))
	for i, e := range rev {
		out[len(rev)-1-i] = e
	}
	return out
}

// replaceAll deletes all n old lines and inserts all m new ones.
func replaceAll(n, m int) []edit {
	var out []edit
	for i := 0; i < n; i++ {
		out = append(out, edit{opDelete, i, 0})
	}
	for j := 0; j < m; j++ {
		out = append(out, edit{opInsert, n, j})
	}
	return out
}
