package nftutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// EnvStateDir names the environment variable that moves cnictl's state
// directory (default /var/lib/cni/cnictl); each plugin keeps its state in a
// directory named after it below.
const EnvStateDir = "CNICTL_STATE_DIR"

// defaultStateRoot is cnictl's state directory when EnvStateDir is unset.
const defaultStateRoot = "/var/lib/cni/cnictl"

// ErrNoState is returned by Open when asked not to create the state
// directory and there is none: the plugin never installed anything.
var ErrNoState = errors.New("no state directory")

// StateDir returns the state directory of the named plugin.
func StateDir(plugin string) string {
	root := os.Getenv(EnvStateDir)
	if root == "" {
		root = defaultStateRoot
	}
	return filepath.Join(root, plugin)
}

// Store is a plugin's state directory, locked against every other process
// and goroutine until Close.
type Store struct {
	dir  string
	lock *os.File
}

// Open locks the state directory dir, creating it if create is set. Without
// create, a missing directory is ErrNoState.
func Open(dir string, create bool) (*Store, error) {
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating state directory: %w", err)
		}
	}
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil, ErrNoState
	}
	if err != nil {
		return nil, fmt.Errorf("opening state directory: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking state directory %s: %w", dir, err)
	}
	return &Store{dir: dir, lock: f}, nil
}

// Close releases the lock.
func (s *Store) Close() error { return s.lock.Close() }

// attachmentsDir holds the records of every network.
func (s *Store) attachmentsDir() string { return filepath.Join(s.dir, "attachments") }

// networkDir holds the records of one network.
func (s *Store) networkDir(network string) string {
	return filepath.Join(s.attachmentsDir(), network)
}

// recordPath is where a's record lives.
func (s *Store) recordPath(a Attachment) string {
	return filepath.Join(s.networkDir(a.Network), a.fileName())
}

// ReadRecord decodes a's record into v; false if there is none.
func (s *Store) ReadRecord(a Attachment, v any) (bool, error) {
	return readJSON(s.recordPath(a), v)
}

// WriteRecord stores v as a's record, replacing any.
func (s *Store) WriteRecord(a Attachment, v any) error {
	return writeJSON(s.recordPath(a), v)
}

// ReadJSON decodes the file name, a path below the state directory, into
// v; false if there is no file.
func (s *Store) ReadJSON(name string, v any) (bool, error) {
	return readJSON(filepath.Join(s.dir, name), v)
}

// WriteJSON replaces the file name, a path below the state directory, with
// v, atomically.
func (s *Store) WriteJSON(name string, v any) error {
	return writeJSON(filepath.Join(s.dir, name), v)
}

// RemoveFile deletes the file name, a path below the state directory; a
// missing file is no error.
func (s *Store) RemoveFile(name string) error {
	if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// RemoveRecord deletes a's record, and its network's directory if that was
// the network's last record.
func (s *Store) RemoveRecord(a Attachment) error {
	if err := os.Remove(s.recordPath(a)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing state of %s: %w", a, err)
	}
	for _, dir := range []string{s.networkDir(a.Network), s.attachmentsDir()} {
		err := os.Remove(dir)
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing state of %s: %w", a, err)
		}
	}
	return nil
}

// Sole reports whether a's record is the only record of any attachment:
// then removing a removes the plugin's whole ruleset. It reads at most a
// few directory entries, however many attachments there are.
func (s *Store) Sole(a Attachment) (bool, error) {
	for _, d := range []struct{ dir, want string }{
		{s.attachmentsDir(), a.Network},
		{s.networkDir(a.Network), a.fileName()},
	} {
		names, err := readNames(d.dir, 2)
		if err != nil {
			return false, err
		}
		if len(names) != 1 || names[0] != d.want {
			return false, nil
		}
	}
	return true, nil
}

// readNames returns up to n names of the entries of dir; none if dir does
// not exist.
func readNames(dir string, n int) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing state: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(n)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("listing state: %w", err)
	}
	return names, nil
}

// Attachments lists the attachments of network that have a record.
func (s *Store) Attachments(network string) ([]Attachment, error) {
	names, err := os.ReadDir(s.networkDir(network))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing state of network %q: %w", network, err)
	}
	var out []Attachment
	for _, n := range names {
		id, ifName, ok := strings.Cut(n.Name(), ":")
		if !ok || strings.HasPrefix(n.Name(), tmpPrefix) {
			continue
		}
		out = append(out, Attachment{Network: network, ContainerID: id, IfName: ifName})
	}
	return out, nil
}

// tmpPrefix starts the names of files being written.
const tmpPrefix = ".tmp-"

// writeJSON replaces the file at path with v, atomically: a temporary file
// in the same directory renamed over it.
func writeJSON(path string, v any) (retErr error) {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	f, err := os.CreateTemp(dir, tmpPrefix)
	if err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	defer func() {
		if retErr != nil {
			os.Remove(f.Name())
		}
	}()
	_, err = f.Write(data)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	return nil
}

// readJSON decodes the file at path into v; false if there is no file.
func readJSON(path string, v any) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading state: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decoding %s: %w", path, err)
	}
	return true, nil
}
