//go:build linux

package netnsmgr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Delete removes the named network namespace like `ip netns delete`: it
// lazily unmounts (MNT_DETACH) <Dir>/<name> and removes the file. The
// namespace itself disappears once no process and no other mount uses it.
// nameOrPath is a name or a path to an entry of Dir. Deleting a namespace
// that is already gone, or was never mounted, is not an error.
func (m *Manager) Delete(nameOrPath string) error {
	name, path, err := m.locate(nameOrPath)
	if err != nil {
		return fmt.Errorf("deleting netns: %w", err)
	}
	if err := removeEntry(path); err != nil {
		return fmt.Errorf("deleting netns %q: %w", name, err)
	}
	return nil
}

// removeEntry unmounts path if it is a mount point and removes it; a path
// that is not mounted or does not exist is not an error.
func removeEntry(path string) error {
	err := unix.Unmount(path, unix.MNT_DETACH)
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmounting %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}
