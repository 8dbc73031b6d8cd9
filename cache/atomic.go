package cache

import (
	"os"
	"path/filepath"
	"strings"
)

// tempPrefix marks files being written; List skips them.
const tempPrefix = ".tmp-"

func isTemp(name string) bool { return strings.HasPrefix(name, tempPrefix) }

// writeFileAtomic writes data to path through a temporary file in the same
// directory: write, fsync, rename over path.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (retErr error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	defer func() {
		if retErr != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// The directory is not synced: after a power loss the rename may be
	// lost, which leaves the previous entry (or none), a consistent state
	// that DEL and GC handle. The file itself is never seen half-written.
	return os.Rename(f.Name(), path)
}
