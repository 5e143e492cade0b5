package users

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// The names upstream kubeadm gives the users and groups.
const (
	EtcdUser                     = "kubeadm-etcd"
	APIServerUser                = "kubeadm-kas"
	ControllerManagerUser        = "kubeadm-kcm"
	SchedulerUser                = "kubeadm-ks"
	ServiceAccountKeyReaderGroup = "kubeadm-sa-key-readers"
	// shell is the login shell of every user: none.
	shell = "/bin/false"
)

// userNames are the users, in the order IDs are given out.
var userNames = []string{EtcdUser, APIServerUser, ControllerManagerUser, SchedulerUser}

// groupSpec is each group with its members, in the order IDs are given out.
var groupSpec = []struct {
	name    string
	members []string
}{
	{EtcdUser, []string{EtcdUser}},
	{APIServerUser, []string{APIServerUser}},
	{ControllerManagerUser, []string{ControllerManagerUser}},
	{SchedulerUser, []string{SchedulerUser}},
	{ServiceAccountKeyReaderGroup, []string{APIServerUser, ControllerManagerUser}},
}

// Files names the users database.
type Files struct {
	Passwd, Group, LoginDefs string
}

// System is the host's users database.
var System = Files{Passwd: "/etc/passwd", Group: "/etc/group", LoginDefs: "/etc/login.defs"}

// idRange is an inclusive range of IDs.
type idRange struct{ min, max int64 }

// ranges are the system UID and GID ranges.
type ranges struct{ uid, gid idRange }

// entry is one line of /etc/passwd or /etc/group, split at ':'.
type entry struct {
	fields []string
	line   int
}

func (e entry) name() string { return e.fields[0] }

// id is the UID of a passwd entry or the GID of a group entry.
func (e entry) id() int64 { n, _ := strconv.ParseInt(e.fields[2], 10, 64); return n }

// database is the parsed content of the passwd and group files.
type database struct {
	passwd, group []entry
	// text is each file's content, rewritten by plan.
	passwdText, groupText string
}

// parse splits a passwd (7 fields) or group (4 fields) file. Blank lines
// and comments are kept as they are and not parsed.
func parse(path, text string, fields int) ([]entry, error) {
	var entries []entry
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) != fields {
			return nil, fmt.Errorf("parse %s line %d: %d fields separated by ':', want %d", path, i+1, len(f), fields)
		}
		if _, err := strconv.ParseInt(f[2], 10, 64); err != nil {
			return nil, fmt.Errorf("parse %s line %d: ID %q is not a number", path, i+1, f[2])
		}
		entries = append(entries, entry{fields: f, line: i + 1})
	}
	return entries, nil
}

// readLoginDefs reads the system ID ranges; a missing file or key gives
// upstream's default, 100-999.
func readLoginDefs(path string) (ranges, error) {
	r := ranges{uid: idRange{100, 999}, gid: idRange{100, 999}}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	keys := map[string]*int64{"SYS_UID_MIN": &r.uid.min, "SYS_UID_MAX": &r.uid.max, "SYS_GID_MIN": &r.gid.min, "SYS_GID_MAX": &r.gid.max}
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 {
			continue
		}
		if dst, ok := keys[fields[0]]; ok {
			n, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return r, fmt.Errorf("read %s: %s %q is not a number", path, fields[0], fields[1])
			}
			*dst = n
		}
	}
	if err := s.Err(); err != nil {
		return r, fmt.Errorf("read %s: %w", path, err)
	}
	if r.uid.min > r.uid.max || r.gid.min > r.gid.max {
		return r, fmt.Errorf("read %s: empty system ID range (UIDs %d-%d, GIDs %d-%d)", path, r.uid.min, r.uid.max, r.gid.min, r.gid.max)
	}
	return r, nil
}

func find(entries []entry, name string) (entry, bool) {
	for _, e := range entries {
		if e.name() == name {
			return e, true
		}
	}
	return entry{}, false
}

// free returns the n lowest IDs of r that no entry uses.
func free(entries []entry, r idRange, n int, what string) ([]int64, error) {
	used := map[int64]bool{}
	for _, e := range entries {
		used[e.id()] = true
	}
	var ids []int64
	for id := r.min; id <= r.max && len(ids) < n; id++ {
		if !used[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) < n {
		return nil, fmt.Errorf("no %d free system %ss left in %d-%d", n, what, r.min, r.max)
	}
	return ids, nil
}

// plan checks the users and groups that exist, gives IDs to those
// missing, and returns the IDs with db's texts rewritten to hold them.
func plan(f Files, db *database, r ranges) (*manifests.NonRootIDs, error) {
	gids := map[string]int64{}
	var missingGroups []int
	for i, g := range groupSpec {
		e, ok := find(db.group, g.name)
		if !ok {
			missingGroups = append(missingGroups, i)
			continue
		}
		if id := e.id(); id < r.gid.min || id > r.gid.max {
			return nil, fmt.Errorf("%s: group %s has GID %d, outside the system range %d-%d", f.Group, g.name, id, r.gid.min, r.gid.max)
		}
		if members := strings.Split(e.fields[3], ","); !slices.Equal(members, g.members) {
			return nil, fmt.Errorf("%s: group %s has members %q, want %q", f.Group, g.name, e.fields[3], strings.Join(g.members, ","))
		}
		gids[g.name] = e.id()
	}
	newGIDs, err := free(db.group, r.gid, len(missingGroups), "GID")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Group, err)
	}
	var groupLines []string
	for i, gi := range missingGroups {
		g := groupSpec[gi]
		gids[g.name] = newGIDs[i]
		groupLines = append(groupLines, fmt.Sprintf("%s:x:%d:%s", g.name, newGIDs[i], strings.Join(g.members, ",")))
	}
	uids := map[string]int64{}
	var missingUsers []string
	for _, name := range userNames {
		e, ok := find(db.passwd, name)
		if !ok {
			missingUsers = append(missingUsers, name)
			continue
		}
		if id := e.id(); id < r.uid.min || id > r.uid.max {
			return nil, fmt.Errorf("%s: user %s has UID %d, outside the system range %d-%d", f.Passwd, name, id, r.uid.min, r.uid.max)
		}
		if e.fields[6] != shell {
			return nil, fmt.Errorf("%s: user %s has the shell %q, want %q", f.Passwd, name, e.fields[6], shell)
		}
		if gid, _ := strconv.ParseInt(e.fields[3], 10, 64); gid != gids[name] {
			return nil, fmt.Errorf("%s: user %s has GID %d, but its group %s has GID %d", f.Passwd, name, gid, name, gids[name])
		}
		uids[name] = e.id()
	}
	newUIDs, err := free(db.passwd, r.uid, len(missingUsers), "UID")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Passwd, err)
	}
	var userLines []string
	for i, name := range missingUsers {
		uids[name] = newUIDs[i]
		userLines = append(userLines, fmt.Sprintf("%s:x:%d:%d:::%s", name, newUIDs[i], gids[name], shell))
	}
	db.groupText = appendLines(db.groupText, groupLines)
	db.passwdText = appendLines(db.passwdText, userLines)
	ug := func(name string) manifests.UserGroup { return manifests.UserGroup{UID: uids[name], GID: gids[name]} }
	return &manifests.NonRootIDs{
		Etcd: ug(EtcdUser), APIServer: ug(APIServerUser), ControllerManager: ug(ControllerManagerUser), Scheduler: ug(SchedulerUser),
		ServiceAccountKeyReaders: gids[ServiceAccountKeyReaderGroup],
	}, nil
}

func appendLines(text string, lines []string) string {
	if len(lines) == 0 {
		return text
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return text + strings.Join(lines, "\n") + "\n"
}

// withoutNames drops the lines of the named entries.
func withoutNames(text string, names []string) (string, int) {
	lines := strings.SplitAfter(text, "\n")
	kept := lines[:0]
	removed := 0
	for _, l := range lines {
		name, _, _ := strings.Cut(l, ":")
		if slices.Contains(names, name) {
			removed++
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, ""), removed
}

// Plan returns the IDs Ensure would give, reading the database only: what
// a dry run shows.
func Plan(f Files) (*manifests.NonRootIDs, error) {
	r, err := readLoginDefs(f.LoginDefs)
	if err != nil {
		return nil, err
	}
	db, err := read(f)
	if err != nil {
		return nil, err
	}
	return plan(f, db, r)
}

// read parses both files without locking them.
func read(f Files) (*database, error) {
	p, err := os.ReadFile(f.Passwd)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	g, err := os.ReadFile(f.Group)
	if err != nil {
		return nil, fmt.Errorf("read groups: %w", err)
	}
	return parseDatabase(f, string(p), string(g))
}

func parseDatabase(f Files, passwd, group string) (*database, error) {
	db := &database{passwdText: passwd, groupText: group}
	var err error
	if db.passwd, err = parse(f.Passwd, passwd, 7); err != nil {
		return nil, err
	}
	if db.group, err = parse(f.Group, group, 4); err != nil {
		return nil, err
	}
	return db, nil
}

// Ensure creates the users and groups that are missing, checks those that
// exist, and returns their IDs. Both files stay locked while they are read
// and rewritten; the group file is written first, so that a user never
// names a group that is not there.
func Ensure(ctx context.Context, f Files) (*manifests.NonRootIDs, error) {
	r, err := readLoginDefs(f.LoginDefs)
	if err != nil {
		return nil, err
	}
	var ids *manifests.NonRootIDs
	err = withLocked(ctx, f, func(db *database) (bool, error) {
		before := [2]string{db.passwdText, db.groupText}
		var err error
		ids, err = plan(f, db, r)
		return err == nil && before != [2]string{db.passwdText, db.groupText}, err
	})
	return ids, err
}

// Present reports whether any of the users or groups exists.
func Present(f Files) (bool, error) {
	db, err := read(f)
	if err != nil {
		return false, err
	}
	for _, name := range userNames {
		if _, ok := find(db.passwd, name); ok {
			return true, nil
		}
	}
	for _, g := range groupSpec {
		if _, ok := find(db.group, g.name); ok {
			return true, nil
		}
	}
	return false, nil
}

// Remove deletes the users and groups, if they are there, and returns how
// many entries it removed. A database without them is not locked.
func Remove(ctx context.Context, f Files) (int, error) {
	if present, err := Present(f); err != nil || !present {
		return 0, err
	}
	removed := 0
	err := withLocked(ctx, f, func(db *database) (bool, error) {
		var n, m int
		db.passwdText, n = withoutNames(db.passwdText, userNames)
		names := make([]string, 0, len(groupSpec))
		for _, g := range groupSpec {
			names = append(names, g.name)
		}
		db.groupText, m = withoutNames(db.groupText, names)
		removed = n + m
		return removed > 0, nil
	})
	return removed, err
}

// Lookup returns the IDs when every user and group exists, else nil.
func Lookup(f Files) (*manifests.NonRootIDs, error) {
	db, err := read(f)
	if err != nil {
		return nil, err
	}
	for _, name := range userNames {
		if _, ok := find(db.passwd, name); !ok {
			return nil, nil
		}
	}
	for _, g := range groupSpec {
		if _, ok := find(db.group, g.name); !ok {
			return nil, nil
		}
	}
	r, err := readLoginDefs(f.LoginDefs)
	if err != nil {
		return nil, err
	}
	return plan(f, db, r)
}
