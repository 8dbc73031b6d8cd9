package nftutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// holdDir holds the holds on key. Keys are file names, with '/' written
// as '_'.
func (s *Store) holdDir(kind, key string) string {
	return filepath.Join(s.dir, "holds", kind, strings.ReplaceAll(key, "/", "_"))
}

// holdName is the file name of a's hold.
func holdName(a Attachment) string { return a.Network + ":" + a.fileName() }

// Hold records that a uses key (of the given kind), a thing attachments
// share without owning it, and reports whether a is its first user: then
// the caller installs it. It costs the same however many users key has.
func (s *Store) Hold(kind, key string, a Attachment) (first bool, err error) {
	dir := s.holdDir(kind, key)
	names, err := readNames(dir, 1)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("holding %s %s: %w", kind, key, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, holdName(a)), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return false, fmt.Errorf("holding %s %s: %w", kind, key, err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("holding %s %s: %w", kind, key, err)
	}
	return len(names) == 0, nil
}

// PeekUnhold reports whether a is the last user of key, changing
// nothing: then the caller removes the thing before Unhold.
func (s *Store) PeekUnhold(kind, key string, a Attachment) (last bool, err error) {
	names, err := readNames(s.holdDir(kind, key), 2)
	if err != nil {
		return false, err
	}
	return len(names) == 1 && names[0] == holdName(a), nil
}

// Unhold drops a's hold on key, and the directories left empty.
func (s *Store) Unhold(kind, key string, a Attachment) error {
	dir := s.holdDir(kind, key)
	if err := os.Remove(filepath.Join(dir, holdName(a))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("releasing %s %s: %w", kind, key, err)
	}
	return s.removeEmpty(dir)
}

// removeEmpty removes dir and its parents below the state directory, as
// long as they are empty.
func (s *Store) removeEmpty(dir string) error {
	for d := dir; d != s.dir; d = filepath.Dir(d) {
		err := os.Remove(d)
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) || errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("removing state directory %s: %w", d, err)
		}
	}
	return nil
}
