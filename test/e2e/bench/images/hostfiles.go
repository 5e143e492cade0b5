package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// usrMerged maps the top-level directories that Debian links into /usr.
var usrMerged = []string{"bin", "sbin", "lib", "lib64"}

// canonical rewrites /lib/x, /sbin/x ... to /usr/lib/x, /usr/sbin/x.
func canonical(p string) string {
	for _, d := range usrMerged {
		if strings.HasPrefix(p, "/"+d+"/") {
			return "/usr" + p
		}
	}
	return p
}

// mergedUsrLinks are the /bin -> usr/bin style links of a merged-/usr root.
func mergedUsrLinks() []File {
	var fs []File
	for _, d := range usrMerged {
		fs = append(fs, File{Path: "/" + d, Link: "usr/" + d})
	}
	return fs
}

var lddPath = regexp.MustCompile(`(/[^\s]+)`)

// hostFilesWithLibs returns binaries (host paths) with every shared library
// they and the extra dlopen'ed modules need, as image files at canonical paths.
func hostFilesWithLibs(ctx context.Context, binaries []string, moduleGlobs []string) ([]File, error) {
	seen := map[string]bool{}
	var files []File
	add := func(hostPath string) error {
		real, err := filepath.EvalSymlinks(hostPath)
		if err != nil {
			return fmt.Errorf("resolve host file %s: %w", hostPath, err)
		}
		dst := canonical(hostPath)
		if seen[dst] {
			return nil
		}
		seen[dst] = true
		st, err := os.Stat(real)
		if err != nil {
			return fmt.Errorf("stat host file %s: %w", real, err)
		}
		files = append(files, File{Path: dst, Source: real, Mode: int64(st.Mode().Perm())})
		return nil
	}
	objects := append([]string(nil), binaries...)
	for _, g := range moduleGlobs {
		m, err := filepath.Glob(g)
		if err != nil {
			return nil, err
		}
		objects = append(objects, m...)
	}
	for _, o := range objects {
		if err := add(o); err != nil {
			return nil, err
		}
		out, err := hostexec.Run(ctx, "ldd", o)
		if err != nil {
			if strings.Contains(out, "not a dynamic executable") {
				continue
			}
			return nil, fmt.Errorf("list libraries of %s: %w", o, err)
		}
		for _, line := range strings.Split(out, "\n") {
			m := lddPath.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if err := add(m[1]); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}
