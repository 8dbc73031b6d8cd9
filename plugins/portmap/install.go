package portmap

import (
	"fmt"

	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// install records rec and makes the ruleset forward its ports: the table
// and the group's chain exist, each of its map keys that no older
// attachment claims maps to it, and its masquerading elements are there.
// The attachment must have no record. On error, uninstall removes whatever
// install did.
func install(s *nftutil.Store, r *ruleset, rec *record, g group) error {
	a := rec.Attachment
	dnat, masq, err := rec.entries()
	if err != nil {
		return err
	}
	if err := s.WriteRecord(a, rec); err != nil {
		return err
	}
	if err := r.ensureBase(); err != nil {
		return err
	}
	if g.id != "" {
		if _, err := s.Hold(kindGroup, g.id, a); err != nil {
			return err
		}
		if err := r.ensureGroup(g); err != nil {
			return err
		}
	}
	var ops []nftutil.ElemOp
	for _, e := range dnat {
		owner, err := s.Claim(kindDNAT, e.claimKey(), a)
		if err != nil {
			return err
		}
		if owner == a {
			ops = append(ops, nftutil.ElemOp{Set: e.set(), Elem: e.element(a.Comment()), What: "mapping " + e.String()})
		}
	}
	for _, m := range masq {
		first, err := s.Hold(kindMasq, m.holdKey(), a)
		if err != nil {
			return err
		}
		if first {
			ops = append(ops, nftutil.ElemOp{Set: masqSet(m.fam), Elem: m.element(), What: "masquerading of " + m.holdKey()})
		}
	}
	return r.ApplyElems(ops)
}

// uninstall removes what rec installed: keys it owns are deleted, or
// handed to the next claimant; masquerading elements and the
// group go with their last user; the table goes with the last record. The
// ruleset is changed first and the state after, so that a DEL that failed
// halfway can be run again.
func uninstall(s *nftutil.Store, r *ruleset, rec *record) error {
	a := rec.Attachment
	dnat, masq, err := rec.entries()
	if err != nil {
		return err
	}
	sole, err := s.Sole(a)
	if err != nil {
		return err
	}
	type release struct{ kind, key string }
	var releases, unholds []release
	var ops []nftutil.ElemOp
	for _, e := range dnat {
		releases = append(releases, release{kindDNAT, e.claimKey()})
		owner, left, was, err := s.PeekRelease(kindDNAT, e.claimKey(), a)
		if err != nil {
			return err
		}
		if !was {
			continue
		}
		ops = append(ops, nftutil.ElemOp{Del: true, Set: e.set(), Elem: nftables.SetElement{Key: e.key()}, What: "mapping " + e.String()})
		if !left {
			continue
		}
		back, err := claimantEntry(s, owner, e.claimKey())
		if err != nil {
			return err
		}
		if back != nil {
			ops = append(ops, nftutil.ElemOp{Set: e.set(), Elem: back.element(owner.Comment()), What: "mapping " + back.String()})
		}
	}
	for _, m := range masq {
		unholds = append(unholds, release{kindMasq, m.holdKey()})
		last, err := s.PeekUnhold(kindMasq, m.holdKey(), a)
		if err != nil {
			return err
		}
		if last {
			ops = append(ops, nftutil.ElemOp{Del: true, Set: masqSet(m.fam), Elem: m.element(), What: "masquerading of " + m.holdKey()})
		}
	}
	groupGone := false
	if rec.Group != "" {
		unholds = append(unholds, release{kindGroup, rec.Group})
		if groupGone, err = s.PeekUnhold(kindGroup, rec.Group, a); err != nil {
			return err
		}
	}
	present, err := r.present()
	if err != nil {
		return err
	}
	// A table deleted behind the plugin's back (nft flush ruleset) leaves
	// nothing to remove, and nothing to hand back.
	switch {
	case sole:
		err = r.DeleteTable(table)
	case present:
		if err = r.ApplyElems(ops); err == nil && groupGone {
			err = r.deleteGroup(rec.Group)
		}
	}
	if err != nil {
		return err
	}
	for _, rel := range releases {
		if _, _, _, err := s.Release(rel.kind, rel.key, a); err != nil {
			return err
		}
	}
	for _, rel := range unholds {
		if err := s.Unhold(rel.kind, rel.key, a); err != nil {
			return err
		}
	}
	return s.RemoveRecord(a)
}

// claimantEntry returns the DNAT entry that owner's record has for key;
// nil if it has none (its record is gone).
func claimantEntry(s *nftutil.Store, owner nftutil.Attachment, key string) (*dnatEntry, error) {
	var rec record
	ok, err := s.ReadRecord(owner, &rec)
	if err != nil || !ok {
		return nil, err
	}
	dnat, _, err := rec.entries()
	if err != nil {
		return nil, fmt.Errorf("state of %s: %w", owner, err)
	}
	for _, e := range dnat {
		if e.claimKey() == key {
			return &e, nil
		}
	}
	return nil, nil
}
