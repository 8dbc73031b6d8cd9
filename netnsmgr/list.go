//go:build linux

package netnsmgr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Namespace is one entry of the namespace directory.
type Namespace struct {
	// Name is the entry's name, as `ip netns list` shows it.
	Name string
	// Path is the entry's absolute path.
	Path string
	// Inode is the namespace's inode number, the one in "net:[inode]" of
	// /proc/<pid>/ns/net; it is 0 when the entry is not a mounted
	// namespace (such as a file left behind by a failed creation).
	Inode uint64
}

// List returns every entry of the namespace directory, sorted by name,
// whether this package or `ip netns add` made it. A missing directory holds
// no namespaces: the list is empty and the error nil.
func (m *Manager) List() ([]Namespace, error) {
	dir, err := m.dir()
	if err != nil {
		return nil, fmt.Errorf("listing netns: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Namespace{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing netns: %w", err)
	}
	list := make([]Namespace, 0, len(entries))
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		ino, err := nsInode(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted since ReadDir
		}
		if err != nil {
			return nil, fmt.Errorf("listing netns in %s: %w", dir, err)
		}
		list = append(list, Namespace{Name: e.Name(), Path: path, Inode: ino})
	}
	return list, nil
}

// Exists reports whether the namespace directory holds an entry called
// name (or, given a path to an entry of the directory, that entry).
func (m *Manager) Exists(name string) bool {
	_, path, err := m.locate(name)
	if err != nil {
		return false
	}
	_, err = os.Lstat(path)
	return err == nil
}

// nsInode returns the inode of the namespace mounted on path, or 0 when
// path is not an nsfs mount.
func nsInode(path string) (uint64, error) {
	var fsStat unix.Statfs_t
	if err := unix.Statfs(path, &fsStat); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", path, err)
	}
	if fsStat.Type != unix.NSFS_MAGIC {
		return 0, nil
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("stat %s: %w", path, err)
	}
	return st.Ino, nil
}
