package reset

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// LocalMounts is the Mounter of this machine.
type LocalMounts struct{}

// unmountFlags are the unmount2() flag values (linux/fs.h).
var unmountFlags = map[string]int{"MNT_FORCE": 1, "MNT_DETACH": 2, "MNT_EXPIRE": 4, "UMOUNT_NOFOLLOW": 8}

// MountPoints reads /proc/mounts.
func (LocalMounts) MountPoints() ([]string, error) {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return nil, fmt.Errorf("read the mount table: %w", err)
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			points = append(points, unescapeMount(f[1]))
		}
	}
	return points, nil
}

// Unmount calls umount2 with flags.
func (LocalMounts) Unmount(path string, flags []string) error {
	n := 0
	for _, f := range flags {
		n |= unmountFlags[f]
	}
	if err := syscall.Unmount(path, n); err != nil {
		if errors.Is(err, syscall.EINVAL) {
			return ErrNotMounted
		}
		return err
	}
	return nil
}

// unescapeMount undoes the octal escapes of /proc/mounts ("\040" for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
