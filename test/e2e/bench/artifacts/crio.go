package artifacts

import (
	"context"
	_ "embed" // the image importer's source
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// CRIOVersion is the CRI-O release CRI-O nodes run. The module proxy here
// serves no v1.37 release; v1.36 speaks the same CRI v1 API the 1.37
// kubelet uses.
const CRIOVersion = "v1.36.3"

// crioBuildTags leave out every C library CRI-O can use (gpgme, btrfs,
// libseccomp, ostree), so that it builds with CGO_ENABLED=0.
const crioBuildTags = "containers_image_openpgp containers_image_ostree_stub exclude_graphdriver_btrfs btrfs_noversion"

//go:embed crio/imageimport.go.src
var crioImportSource []byte

// CRIODir returns the directory holding crio, pinns and crio-image-import.
func (c *Cache) CRIODir() string { return c.crioEntry().dir }

func (c *Cache) crioEntry() entry {
	return c.entry("crio", CRIOVersion, joinRecipe("github.com/cri-o/cri-o@"+CRIOVersion, "tags="+crioBuildTags, "pinns=static", "import="+HashBytes(crioImportSource)))
}

// EnsureCRIO builds CRI-O's daemon, its namespace pinner pinns (C, static)
// and the bench's image importer, all from CRI-O's release in the module
// proxy. It is not part of EnsureAll: only CRI-O scenarios need it.
// conmon and runc come from Debian (EnsureDebianPackages).
func (c *Cache) EnsureCRIO(ctx context.Context) error {
	e := c.crioEntry()
	if e.fresh() {
		return nil
	}
	c.Log("building CRI-O %s (crio, pinns, crio-image-import)", CRIOVersion)
	return e.ensure(ctx, func(ctx context.Context, out string) error {
		mod := filepath.Join(c.Root, "build", "crio-"+CRIOVersion)
		if err := os.RemoveAll(mod); err != nil {
			return fmt.Errorf("clean %s: %w", mod, err)
		}
		if err := scratchModule(ctx, mod, "github.com/cri-o/cri-o@"+CRIOVersion); err != nil {
			return err
		}
		files := map[string][]byte{
			"tools.go":                  []byte("//go:build tools\n\npackage tools\n\nimport _ \"github.com/cri-o/cri-o/cmd/crio\"\n"),
			"crio-image-import/main.go": crioImportSource,
		}
		for name, content := range files {
			p := filepath.Join(mod, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
			}
			if err := os.WriteFile(p, content, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", p, err)
			}
		}
		steps := [][]string{
			{"mod", "tidy"},
			{"build", "-trimpath", "-tags", crioBuildTags, "-ldflags", "-s -w", "-o", out + "/", "github.com/cri-o/cri-o/cmd/crio", "./crio-image-import"},
		}
		for _, args := range steps {
			if _, err := (hostexec.Cmd{Name: "go", Args: args, Dir: mod, Env: goEnv()}).Run(ctx); err != nil {
				return fmt.Errorf("build CRI-O %s: %w", CRIOVersion, err)
			}
		}
		src, err := moduleSource(ctx, "github.com/cri-o/cri-o@"+CRIOVersion)
		if err != nil {
			return err
		}
		pinns := []string{"-std=c99", "-Os", "-static", "-o", filepath.Join(out, "pinns"), "src/pinns.c", "src/sysctl.c"}
		if _, err := (hostexec.Cmd{Name: "gcc", Args: pinns, Dir: filepath.Join(src, "pinns")}).Run(ctx); err != nil {
			return fmt.Errorf("build pinns of CRI-O %s: %w", CRIOVersion, err)
		}
		return nil
	})
}
