package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// DefaultDir is the cache directory upstream libcni uses.
const DefaultDir = "/var/lib/cni"

// ErrNotFound is returned by Get when the attachment has no entry.
var ErrNotFound = errors.New("no cache entry")

// CorruptError reports an entry file that cannot be used: empty, not JSON,
// or of an unknown kind. DEL and GC carry on without it.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt cache entry %s: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Store reads and writes entries under one cache directory.
type Store struct {
	dir string
}

// New returns a store rooted at dir ("" means DefaultDir).
func New(dir string) *Store {
	if dir == "" {
		dir = DefaultDir
	}
	return &Store{dir: dir}
}

// Dir is the cache directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) resultsDir() string { return filepath.Join(s.dir, "results") }

// Path is the file of the entry for k. Callers must have validated the
// key's parts (see libcni's validation), so that none of them contains a
// path separator.
func (s *Store) Path(k Key) string {
	return filepath.Join(s.resultsDir(), k.String())
}

// Put writes e atomically: a reader sees either the old entry or the new
// one, never a partial file, even across a crash.
func (s *Store) Put(e *Entry) error {
	e.Kind = KindV1
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding cache entry %s: %w", e.Key(), err)
	}
	if err := os.MkdirAll(s.resultsDir(), 0o700); err != nil {
		return fmt.Errorf("creating cache directory: %w", err)
	}
	if err := writeFileAtomic(s.Path(e.Key()), data, 0o600); err != nil {
		return fmt.Errorf("writing cache entry %s: %w", e.Key(), err)
	}
	return nil
}

// Get reads the entry for k. It returns ErrNotFound when there is none and
// a *CorruptError when the file cannot be decoded.
func (s *Store) Get(k Key) (*Entry, error) {
	return readEntry(s.Path(k))
}

// Remove deletes the entry for k; a missing entry is not an error. The
// removal is not synced to disk: should a crash undo it, the entry only
// makes a later DEL or GC run again, which is idempotent.
func (s *Store) Remove(k Key) error {
	if err := os.Remove(s.Path(k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing cache entry %s: %w", k, err)
	}
	return nil
}

// List returns every entry on the host, whichever tool wrote it, sorted by
// file name. Files that cannot be decoded are returned as *CorruptError in
// the second value instead of failing the whole listing.
func (s *Store) List() ([]*Entry, []error) {
	dirents, err := os.ReadDir(s.resultsDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("listing cache entries: %w", err)}
	}
	names := make([]string, 0, len(dirents))
	for _, d := range dirents {
		if d.Type().IsRegular() && !isTemp(d.Name()) {
			names = append(names, d.Name())
		}
	}
	sort.Strings(names)
	var entries []*Entry
	var errs []error
	for _, name := range names {
		e, err := readEntry(filepath.Join(s.resultsDir(), name))
		switch {
		case errors.Is(err, ErrNotFound):
			// Removed since the directory was read.
		case err != nil:
			errs = append(errs, err)
		default:
			entries = append(entries, e)
		}
	}
	return entries, errs
}

func readEntry(path string) (*Entry, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading cache entry %s: %w", path, err)
	}
	if len(data) == 0 {
		return nil, &CorruptError{Path: path, Err: errors.New("empty file")}
	}
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, &CorruptError{Path: path, Err: err}
	}
	if e.Kind != KindV1 {
		return nil, &CorruptError{Path: path, Err: fmt.Errorf("kind %q, want %q", e.Kind, KindV1)}
	}
	if e.NetworkName == "" || e.ContainerID == "" || e.IfName == "" {
		return nil, &CorruptError{Path: path, Err: errors.New("missing networkName, containerId or ifName")}
	}
	return &e, nil
}
