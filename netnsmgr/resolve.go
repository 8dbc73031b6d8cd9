//go:build linux

package netnsmgr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Resolve turns a NETNS argument, as users type it, into the absolute path
// of a network namespace. An argument holding a '/' is a path (relative
// paths are made absolute), such as /proc/1234/ns/net or
// /var/run/netns/foo; any other argument is the name of an entry of the
// namespace directory. Either way the result must be a network namespace:
// an nsfs (or, on old kernels, procfs) file of the network kind. The error
// names the argument and, for a name, the directory looked in; for a
// namespace that does not exist it matches fs.ErrNotExist.
func (m *Manager) Resolve(nameOrPath string) (string, error) {
	if strings.Contains(nameOrPath, "/") {
		path, err := filepath.Abs(nameOrPath)
		if err != nil {
			return "", fmt.Errorf("netns path %q: %w", nameOrPath, err)
		}
		if err := checkNetNS(path); err != nil {
			return "", fmt.Errorf("netns path %q: %w", nameOrPath, err)
		}
		return path, nil
	}
	if err := validateName(nameOrPath); err != nil {
		return "", fmt.Errorf("resolving netns: %w", err)
	}
	dir, err := m.dir()
	if err != nil {
		return "", fmt.Errorf("netns %q: %w", nameOrPath, err)
	}
	path := filepath.Join(dir, nameOrPath)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("netns %q: not found in %s: %w", nameOrPath, dir, fs.ErrNotExist)
	}
	if err := checkNetNS(path); err != nil {
		return "", fmt.Errorf("netns %q in %s: %w", nameOrPath, dir, err)
	}
	return path, nil
}

// checkNetNS returns an error unless path is a network namespace file.
func checkNetNS(path string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", path, err)
	}
	if st.Type != unix.NSFS_MAGIC && st.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("%s is not a network namespace (filesystem magic %#x, not nsfs)", path, st.Type)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	kind, err := unix.IoctlRetInt(int(f.Fd()), unix.NS_GET_NSTYPE)
	if err != nil {
		return fmt.Errorf("%s is not a namespace: ioctl(NS_GET_NSTYPE): %w", path, err)
	}
	if kind != unix.CLONE_NEWNET {
		return fmt.Errorf("%s is a namespace of another kind, not a network namespace", path)
	}
	return nil
}
