package nat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// EnvStateDir names the environment variable that moves cnictl's state
// directory (default /var/lib/cni/cnictl); this package keeps its state in
// the nat directory below it.
const EnvStateDir = "CNICTL_STATE_DIR"

// defaultStateRoot is cnictl's state directory when EnvStateDir is unset.
const defaultStateRoot = "/var/lib/cni/cnictl"

// errNoState is returned by withStore when asked not to create the state
// directory and there is none: nothing was ever set up.
var errNoState = errors.New("no NAT state directory")

// StateDir returns the directory holding this package's state.
func StateDir() string {
	root := os.Getenv(EnvStateDir)
	if root == "" {
		root = defaultStateRoot
	}
	return filepath.Join(root, "nat")
}

// store is the state directory, locked.
type store struct{ dir string }

// withStore runs fn with the state directory locked against every other
// process and goroutine. Without create, a missing directory is errNoState.
func withStore(create bool, fn func(*store) error) error {
	dir := StateDir()
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("creating state directory: %w", err)
		}
	}
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return errNoState
	}
	if err != nil {
		return fmt.Errorf("opening state directory: %w", err)
	}
	defer f.Close()
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("locking state directory %s: %w", dir, err)
	}
	// The deferred Close releases the lock.
	return fn(&store{dir: dir})
}

// record is the state file of one attachment.
type record struct {
	Network     string `json:"network"`
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifName"`
	// Addresses are the masqueraded addresses with their prefix
	// lengths, sorted: 10.66.0.2/24.
	Addresses []string `json:"addresses"`
}

// newRecord makes the record of a's entries.
func newRecord(a Attachment, entries []entry) *record {
	return &record{Network: a.Network, ContainerID: a.ContainerID, IfName: a.IfName, Addresses: addresses(entries)}
}

// attachment is the attachment the record is about.
func (r *record) attachment() Attachment {
	return Attachment{Network: r.Network, ContainerID: r.ContainerID, IfName: r.IfName}
}

// entries rebuilds the entries of the record.
func (r *record) entries() ([]entry, error) {
	out := make([]entry, 0, len(r.Addresses))
	for _, s := range r.Addresses {
		ip, ipn, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("state of %s: %w", r.attachment(), err)
		}
		ipn.IP = ip
		e, err := newEntry(r.Network, ipn)
		if err != nil {
			return nil, fmt.Errorf("state of %s: %w", r.attachment(), err)
		}
		out = append(out, e)
	}
	return out, nil
}

// networkDir holds the records of one network.
func (s *store) networkDir(network string) string {
	return filepath.Join(s.dir, "attachments", network)
}

// recordPath is where a's record lives. Container IDs and interface names
// never hold ':'.
func (s *store) recordPath(a Attachment) string {
	return filepath.Join(s.networkDir(a.Network), a.ContainerID+":"+a.IfName)
}

// claimPath is where the claim of addr lives.
func (s *store) claimPath(addr net.IP) string {
	return filepath.Join(s.dir, "claims", addr.String())
}

// read returns a's record, or nil if there is none.
func (s *store) read(a Attachment) (*record, error) {
	rec := &record{}
	ok, err := readJSON(s.recordPath(a), rec)
	if err != nil || !ok {
		return nil, err
	}
	return rec, nil
}

// write stores rec, replacing any record of its attachment.
func (s *store) write(rec *record) error {
	return writeJSON(s.recordPath(rec.attachment()), rec)
}

// remove deletes a's record, and its network's directory if that was the
// network's last record.
func (s *store) remove(a Attachment) error {
	if err := os.Remove(s.recordPath(a)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing state: %w", err)
	}
	err := os.Remove(s.networkDir(a.Network))
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) {
		return fmt.Errorf("removing state: %w", err)
	}
	return nil
}

// list returns the records of every attachment of network.
func (s *store) list(network string) ([]*record, error) {
	dir := s.networkDir(network)
	names, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing state: %w", err)
	}
	var recs []*record
	for _, n := range names {
		if strings.HasPrefix(n.Name(), tmpPrefix) {
			continue
		}
		rec := &record{}
		ok, err := readJSON(filepath.Join(dir, n.Name()), rec)
		if err != nil {
			return nil, err
		}
		if ok {
			recs = append(recs, rec)
		}
	}
	return recs, nil
}

// claimFile is the content of a claim: the attachment that owns the map
// element of an address.
type claimFile struct {
	Network     string `json:"network"`
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifName"`
}

// owner returns the attachment that claimed addr last, if any.
func (s *store) owner(addr net.IP) (Attachment, bool, error) {
	var c claimFile
	ok, err := readJSON(s.claimPath(addr), &c)
	return Attachment(c), ok, err
}

// owned returns the entries whose address a owns.
func (s *store) owned(a Attachment, entries []entry) ([]entry, error) {
	var out []entry
	for _, e := range entries {
		owner, ok, err := s.owner(e.addr)
		if err != nil {
			return nil, err
		}
		if ok && owner == a {
			out = append(out, e)
		}
	}
	return out, nil
}

// claim makes a the owner of addr.
func (s *store) claim(addr net.IP, a Attachment) error {
	return writeJSON(s.claimPath(addr), claimFile(a))
}

// unclaim forgets the owner of addr.
func (s *store) unclaim(addr net.IP) error {
	if err := os.Remove(s.claimPath(addr)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing claim of %s: %w", addr, err)
	}
	return nil
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
