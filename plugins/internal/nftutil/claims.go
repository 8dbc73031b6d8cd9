package nftutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// claim is one attachment's claim on a key.
type claim struct {
	seq  uint64
	a    Attachment
	file string
}

// claimDir holds the claims on key. Keys are file names, with '/' written
// as '_'.
func (s *Store) claimDir(kind, key string) string {
	return filepath.Join(s.dir, "claims", kind, strings.ReplaceAll(key, "/", "_"))
}

// claimName is the file name of a's claim with sequence number seq.
func claimName(seq uint64, a Attachment) string {
	return fmt.Sprintf("%020d-%s:%s", seq, a.Network, a.fileName())
}

// parseClaim decodes a claim's file name.
func parseClaim(name string) (claim, bool) {
	seqText, rest, ok := strings.Cut(name, "-")
	if !ok {
		return claim{}, false
	}
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil {
		return claim{}, false
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 {
		return claim{}, false
	}
	return claim{seq: seq, a: Attachment{Network: parts[0], ContainerID: parts[1], IfName: parts[2]}, file: name}, true
}

// claims lists the claims on key, oldest first.
func (s *Store) claims(kind, key string) ([]claim, error) {
	entries, err := os.ReadDir(s.claimDir(kind, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading claims on %s %s: %w", kind, key, err)
	}
	var out []claim
	for _, e := range entries {
		// ReadDir sorts by name: by sequence number.
		if c, ok := parseClaim(e.Name()); ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// Claim records that a wants key (of the given kind) and returns the
// owner: the oldest claimant, a itself if nobody claimed key before.
// Claiming again changes nothing. Claiming lists the claimants of key,
// which are meant to be few: things many attachments share are held
// (Hold), not claimed.
func (s *Store) Claim(kind, key string, a Attachment) (owner Attachment, err error) {
	cs, err := s.claims(kind, key)
	if err != nil {
		return Attachment{}, err
	}
	var seq uint64
	for _, c := range cs {
		if c.a == a {
			return cs[0].a, nil
		}
		seq = c.seq
	}
	dir := s.claimDir(kind, key)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Attachment{}, fmt.Errorf("claiming %s %s: %w", kind, key, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, claimName(seq+1, a)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return Attachment{}, fmt.Errorf("claiming %s %s: %w", kind, key, err)
	}
	if err := f.Close(); err != nil {
		return Attachment{}, fmt.Errorf("claiming %s %s: %w", kind, key, err)
	}
	if len(cs) > 0 {
		return cs[0].a, nil
	}
	return a, nil
}

// Release drops a's claim on key. It returns the owner after it, the
// oldest claimant left, if any is left, and whether a owned key until now.
// Releasing a key a does not claim changes nothing.
func (s *Store) Release(kind, key string, a Attachment) (owner Attachment, left, wasOwner bool, err error) {
	return s.release(kind, key, a, true)
}

// PeekRelease tells what Release would return, changing nothing: so that
// a plugin can remove what it installed before it forgets about it.
func (s *Store) PeekRelease(kind, key string, a Attachment) (owner Attachment, left, wasOwner bool, err error) {
	return s.release(kind, key, a, false)
}

// release is Release, which changes the state directory only if commit
// is set.
func (s *Store) release(kind, key string, a Attachment, commit bool) (owner Attachment, left, wasOwner bool, err error) {
	cs, err := s.claims(kind, key)
	if err != nil {
		return Attachment{}, false, false, err
	}
	dir := s.claimDir(kind, key)
	var rest []claim
	for i, c := range cs {
		if c.a != a {
			rest = append(rest, c)
			continue
		}
		wasOwner = wasOwner || i == 0
		if !commit {
			continue
		}
		if err := os.Remove(filepath.Join(dir, c.file)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Attachment{}, false, false, fmt.Errorf("releasing %s %s: %w", kind, key, err)
		}
	}
	if len(rest) > 0 {
		return rest[0].a, true, wasOwner, nil
	}
	if !commit {
		return Attachment{}, false, wasOwner, nil
	}
	return Attachment{}, false, wasOwner, s.removeEmpty(dir)
}

// Owner returns the oldest claimant of key, if any.
func (s *Store) Owner(kind, key string) (Attachment, bool, error) {
	cs, err := s.claims(kind, key)
	if err != nil || len(cs) == 0 {
		return Attachment{}, false, err
	}
	return cs[0].a, true, nil
}
