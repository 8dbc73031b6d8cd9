package nat

import (
	"errors"
	"fmt"
	"net"
	"slices"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// Setup masquerades traffic from each of ips (the container's addresses,
// with their subnet masks) to destinations outside the address's own
// subnet. Calling it again for the same attachment replaces its addresses.
// On error, Teardown removes whatever Setup installed.
func Setup(a Attachment, ips []*net.IPNet) error {
	entries, err := newEntries(a, ips)
	if err != nil {
		return fmt.Errorf("nat: setting up %s: %w", a, err)
	}
	err = withStore(true, func(s *store, r *ruleset) error {
		return setup(s, r, a, entries)
	})
	if err != nil {
		return fmt.Errorf("nat: setting up %s: %w", a, err)
	}
	return nil
}

// Teardown removes a's NAT, using only cnictl's own state (no netns, no
// prevResult needed). Tearing down an attachment that has no NAT succeeds.
func Teardown(a Attachment) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("nat: tearing down %s: %w", a, err)
	}
	err := withStore(false, func(s *store, r *ruleset) error {
		rec, err := s.read(a)
		if err != nil || rec == nil {
			return err
		}
		return teardown(s, r, rec)
	})
	if err != nil && !errors.Is(err, nftutil.ErrNoState) {
		return fmt.Errorf("nat: tearing down %s: %w", a, err)
	}
	return nil
}

// Check verifies that a's NAT is installed for exactly ips.
func Check(a Attachment, ips []*net.IPNet) error {
	entries, err := newEntries(a, ips)
	if err != nil {
		return fmt.Errorf("nat: checking %s: %w", a, err)
	}
	err = withStore(false, func(s *store, r *ruleset) error {
		rec, err := s.read(a)
		if err != nil {
			return err
		}
		if rec == nil {
			return errors.New("no masquerading is recorded")
		}
		if got, want := rec.Addresses, addresses(entries); !slices.Equal(got, want) {
			return fmt.Errorf("masquerading is recorded for %v, expected %v", got, want)
		}
		for _, e := range entries {
			owner, ok, err := s.owner(e.addr)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("address %s is claimed by no attachment", e.addr)
			}
			if owner != a {
				return fmt.Errorf("address %s: its map element belongs to %s", e.addr, owner)
			}
		}
		return r.check(entries)
	})
	if errors.Is(err, nftutil.ErrNoState) {
		err = errors.New("no masquerading is recorded")
	}
	if err != nil {
		return fmt.Errorf("nat: checking %s: %w", a, err)
	}
	return nil
}

// GC removes the NAT of every attachment of network that is not in valid.
func GC(network string, valid []types.GCAttachment) error {
	if err := nftutil.ValidateNetwork(network); err != nil {
		return fmt.Errorf("nat: garbage collecting network %q: %w", network, err)
	}
	err := withStore(false, func(s *store, r *ruleset) error {
		recs, err := s.list(network)
		if err != nil || len(recs) == 0 {
			return err
		}
		// One batch for all: each batch that deletes elements costs the
		// kernel an RCU grace period.
		var gone []*record
		var owned, entries []entry
		for _, rec := range recs {
			keep := slices.ContainsFunc(valid, func(v types.GCAttachment) bool {
				return v.ContainerID == rec.ContainerID && v.IfName == rec.IfName
			})
			if keep {
				continue
			}
			es, err := rec.entries()
			if err != nil {
				return err
			}
			own, err := s.owned(rec.Attachment, es)
			if err != nil {
				return err
			}
			gone, owned, entries = append(gone, rec), append(owned, own...), append(entries, es...)
		}
		if len(gone) == 0 {
			return nil
		}
		if err := r.remove(owned, entries); err != nil {
			return err
		}
		var errs []error
		for _, e := range owned {
			errs = append(errs, s.unclaim(e.addr))
		}
		for _, rec := range gone {
			errs = append(errs, s.RemoveRecord(rec.Attachment))
		}
		return errors.Join(errs...)
	})
	if err != nil && !errors.Is(err, nftutil.ErrNoState) {
		return fmt.Errorf("nat: garbage collecting network %q: %w", network, err)
	}
	return nil
}

// setup records a's entries, then makes the ruleset match: the chains they
// jump to exist, each address maps to its chain, and the addresses a
// recorded before and no longer has are gone.
func setup(s *store, r *ruleset, a Attachment, entries []entry) error {
	old, err := s.read(a)
	if err != nil {
		return err
	}
	// What a recorded before and no longer has: addresses, and chains
	// (an address may stay in another subnet).
	var dropped, left []entry
	if old != nil {
		oldEntries, err := old.entries()
		if err != nil {
			return err
		}
		for _, e := range oldEntries {
			if !slices.ContainsFunc(entries, e.sameAddr) {
				dropped = append(dropped, e)
			}
			if !slices.ContainsFunc(entries, e.sameChain) {
				left = append(left, e)
			}
		}
	}
	dropped, err = s.owned(a, dropped)
	if err != nil {
		return err
	}
	// Addresses claimed by another attachment have its element: replace it.
	var taken []entry
	for _, e := range entries {
		owner, ok, err := s.owner(e.addr)
		if err != nil {
			return err
		}
		if ok && owner != a {
			taken = append(taken, e)
		}
	}
	if err := s.write(newRecord(a, entries)); err != nil {
		return err
	}
	for _, e := range entries {
		if err := s.claim(e.addr, a); err != nil {
			return err
		}
	}
	if err := r.ensure(entries); err != nil {
		return err
	}
	if err := r.putElements(entries, taken, a.Comment()); err != nil {
		return err
	}
	if err := r.remove(dropped, left); err != nil {
		return err
	}
	for _, e := range dropped {
		if err := s.unclaim(e.addr); err != nil {
			return err
		}
	}
	return nil
}

// teardown removes the elements that rec's attachment owns, the chains
// nothing jumps to any more, the table if it is empty, and the
// attachment's state.
func teardown(s *store, r *ruleset, rec *record) error {
	a := rec.Attachment
	entries, err := rec.entries()
	if err != nil {
		return err
	}
	owned, err := s.owned(a, entries)
	if err != nil {
		return err
	}
	if err := r.remove(owned, entries); err != nil {
		return err
	}
	for _, e := range owned {
		if err := s.unclaim(e.addr); err != nil {
			return err
		}
	}
	return s.RemoveRecord(a)
}
