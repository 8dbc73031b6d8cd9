package nat

import (
	"fmt"
	"net"
	"path/filepath"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// stateName names this package's state directory within cnictl's.
const stateName = "nat"

// store is the state directory, locked.
type store struct{ *nftutil.Store }

// withStore runs fn with the state directory locked against every other
// process and goroutine, and a connection to nftables. Without create, a
// missing directory is nftutil.ErrNoState.
func withStore(create bool, fn func(s *store, r *ruleset) error) error {
	return nftutil.Locked(stateName, create, openRuleset, func(s *nftutil.Store, r *ruleset) error {
		return fn(&store{s}, r)
	})
}

// record is the state file of one attachment.
type record struct {
	Attachment
	// Addresses are the masqueraded addresses with their prefix
	// lengths, sorted: 10.66.0.2/24.
	Addresses []string `json:"addresses"`
}

// newRecord makes the record of a's entries.
func newRecord(a Attachment, entries []entry) *record {
	return &record{Attachment: a, Addresses: addresses(entries)}
}

// entries rebuilds the entries of the record.
func (r *record) entries() ([]entry, error) {
	out := make([]entry, 0, len(r.Addresses))
	for _, s := range r.Addresses {
		ip, ipn, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("state of %s: %w", r.Attachment, err)
		}
		ipn.IP = ip
		e, err := newEntry(r.Network, ipn)
		if err != nil {
			return nil, fmt.Errorf("state of %s: %w", r.Attachment, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// read returns a's record, or nil if there is none.
func (s *store) read(a Attachment) (*record, error) {
	rec := &record{}
	ok, err := s.ReadRecord(a, rec)
	if err != nil || !ok {
		return nil, err
	}
	return rec, nil
}

// write stores rec, replacing any record of its attachment.
func (s *store) write(rec *record) error {
	return s.WriteRecord(rec.Attachment, rec)
}

// list returns the records of every attachment of network.
func (s *store) list(network string) ([]*record, error) {
	as, err := s.Attachments(network)
	if err != nil {
		return nil, err
	}
	var recs []*record
	for _, a := range as {
		rec, err := s.read(a)
		if err != nil {
			return nil, err
		}
		if rec != nil {
			recs = append(recs, rec)
		}
	}
	return recs, nil
}

// claimName is the file, below the state directory, of the claim of addr:
// the attachment that owns the map element of the address.
func claimName(addr net.IP) string {
	return filepath.Join("claims", addr.String())
}

// owner returns the attachment that claimed addr last, if any.
func (s *store) owner(addr net.IP) (Attachment, bool, error) {
	var a Attachment
	ok, err := s.ReadJSON(claimName(addr), &a)
	return a, ok, err
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
	return s.WriteJSON(claimName(addr), a)
}

// unclaim forgets the owner of addr.
func (s *store) unclaim(addr net.IP) error {
	if err := s.RemoveFile(claimName(addr)); err != nil {
		return fmt.Errorf("removing claim of %s: %w", addr, err)
	}
	return nil
}
