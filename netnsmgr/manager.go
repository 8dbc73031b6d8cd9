//go:build linux

package netnsmgr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir is where iproute2 keeps named network namespaces.
const DefaultDir = "/var/run/netns"

// maxNameLen is the longest name a directory entry can have (NAME_MAX).
const maxNameLen = 255

// ErrExists is matched (errors.Is) by the error of Create when the
// directory already holds an entry with the requested name.
var ErrExists = errors.New("network namespace already exists")

// ErrInvalidName is matched (errors.Is) by the error of every method given
// a namespace name that cannot be a directory entry: empty, ".", "..",
// longer than 255 bytes, or holding a '/' or a NUL byte.
var ErrInvalidName = errors.New("invalid network namespace name")

// Manager manages the named network namespaces of one directory.
type Manager struct {
	// Dir is the directory holding the namespaces' bind mounts; "" means
	// DefaultDir.
	Dir string
}

// New returns a Manager for dir; "" means DefaultDir.
func New(dir string) *Manager {
	if dir == "" {
		dir = DefaultDir
	}
	return &Manager{Dir: dir}
}

// dir returns the absolute, cleaned namespace directory.
func (m *Manager) dir() (string, error) {
	dir := m.Dir
	if dir == "" {
		dir = DefaultDir
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("netns directory %q: %w", dir, err)
	}
	return abs, nil
}

// validateName checks that name can be an entry of the namespace directory.
func validateName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
	case len(name) > maxNameLen:
	case strings.ContainsAny(name, "/\x00"):
	default:
		return nil
	}
	return fmt.Errorf("%q: %w", name, ErrInvalidName)
}

// locate turns a namespace name, or a path to an entry of the namespace
// directory, into the name and the absolute path of that entry.
func (m *Manager) locate(nameOrPath string) (name, path string, err error) {
	dir, err := m.dir()
	if err != nil {
		return "", "", err
	}
	if !strings.Contains(nameOrPath, "/") {
		if err := validateName(nameOrPath); err != nil {
			return "", "", err
		}
		return nameOrPath, filepath.Join(dir, nameOrPath), nil
	}
	path, err = filepath.Abs(nameOrPath)
	if err != nil {
		return "", "", fmt.Errorf("netns path %q: %w", nameOrPath, err)
	}
	if !sameDir(filepath.Dir(path), dir) {
		return "", "", fmt.Errorf("netns path %q: not an entry of %s", nameOrPath, dir)
	}
	name = filepath.Base(path)
	if err := validateName(name); err != nil {
		return "", "", fmt.Errorf("netns path %q: %w", nameOrPath, err)
	}
	return name, filepath.Join(dir, name), nil
}

// sameDir reports whether a and b name the same directory, following
// symbolic links (/var/run is usually a link to /run).
func sameDir(a, b string) bool {
	if a == b {
		return true
	}
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}
