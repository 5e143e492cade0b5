//go:build !linux

package reset

import "errors"

// LocalMounts is the Mounter of this machine; only Linux has one.
type LocalMounts struct{}

// MountPoints fails: reset cleans Linux nodes only.
func (LocalMounts) MountPoints() ([]string, error) {
	return nil, errors.New("list mounts: only supported on Linux")
}

// Unmount fails: reset cleans Linux nodes only.
func (LocalMounts) Unmount(string, []string) error {
	return errors.New("unmount: only supported on Linux")
}
