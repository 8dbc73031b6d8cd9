package firewall

import (
	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// Hold kinds in the state directory.
const (
	kindAddr     = "addr"
	kindBridge   = "bridge"
	kindIsolated = "isolated"
)

// addrOp adds or deletes the set element of a container address.
func addrOp(del bool, ip string, comment string) (nftutil.ElemOp, error) {
	addr, err := parseIP(ip)
	if err != nil {
		return nftutil.ElemOp{}, err
	}
	f := nftutil.FamilyOf(addr)
	return nftutil.ElemOp{Del: del, Set: ipSet(f), Elem: nftables.SetElement{Key: f.Addr(addr), Comment: comment}, What: "address " + ip}, nil
}

// bridgeOps add or delete the elements that put bridge under an ingress
// policy.
func bridgeOps(del bool, bridge string) []nftutil.ElemOp {
	what := "bridge " + bridge
	return []nftutil.ElemOp{
		{Del: del, Set: ifNameSet(setPolicyBridges, idPolicyBridges), Elem: nftables.SetElement{Key: nftutil.IfName(bridge)}, What: what},
		{Del: del, Set: pairSet(setBridgePairs, idBridgePairs), Elem: nftables.SetElement{Key: pair(bridge)}, What: what},
	}
}

// isolatedOp adds or deletes the element that isolates the ports of
// bridge from each other.
func isolatedOp(del bool, bridge string) nftutil.ElemOp {
	return nftutil.ElemOp{
		Del: del, Set: pairSet(setIsolatedPairs, idIsolatedPairs),
		Elem: nftables.SetElement{Key: pair(bridge)}, What: "isolated bridge " + bridge,
	}
}

// install records rec and makes the ruleset hold it: the table exists,
// its addresses and bridge are in the sets, and iptables-nft's FORWARD
// chains accept its traffic if they drop by policy. The attachment must
// have no record. On error, uninstall removes whatever install did.
func install(s *nftutil.Store, r *ruleset, rec *record) error {
	a := rec.Attachment
	if err := s.WriteRecord(a, rec); err != nil {
		return err
	}
	if err := r.ensureInet(); err != nil {
		return err
	}
	var ops []nftutil.ElemOp
	for _, ip := range rec.Addresses {
		first, err := s.Hold(kindAddr, ip, a)
		if err != nil {
			return err
		}
		if !first {
			continue
		}
		op, err := addrOp(false, ip, a.Comment())
		if err != nil {
			return err
		}
		ops = append(ops, op)
	}
	if rec.Bridge != "" {
		first, err := s.Hold(kindBridge, rec.Bridge, a)
		if err != nil {
			return err
		}
		if first {
			ops = append(ops, bridgeOps(false, rec.Bridge)...)
		}
	}
	if rec.Policy == policyIsolated {
		first, err := s.Hold(kindIsolated, rec.Bridge, a)
		if err != nil {
			return err
		}
		if first {
			ops = append(ops, isolatedOp(false, rec.Bridge))
		}
	}
	if err := r.ApplyElems(ops); err != nil {
		return err
	}
	return r.ensureForwardAccept()
}

// uninstall removes what rec installed: addresses and bridges leave the
// sets with their last holder, and the table and the rule in iptables'
// FORWARD chains with the last record. The ruleset is changed first and the
// state after, so that a DEL that failed halfway can be run again.
func uninstall(s *nftutil.Store, r *ruleset, rec *record) error {
	a := rec.Attachment
	sole, err := s.Sole(a)
	if err != nil {
		return err
	}
	type hold struct{ kind, key string }
	var holds []hold
	var ops []nftutil.ElemOp
	// gone tells whether a's release of key removes its last hold.
	gone := func(kind, key string) (bool, error) {
		holds = append(holds, hold{kind, key})
		return s.PeekUnhold(kind, key, a)
	}
	for _, ip := range rec.Addresses {
		last, err := gone(kindAddr, ip)
		if err != nil {
			return err
		}
		if last {
			op, err := addrOp(true, ip, "")
			if err != nil {
				return err
			}
			ops = append(ops, op)
		}
	}
	if rec.Bridge != "" {
		last, err := gone(kindBridge, rec.Bridge)
		if err != nil {
			return err
		}
		if last {
			ops = append(ops, bridgeOps(true, rec.Bridge)...)
		}
	}
	if rec.Policy == policyIsolated {
		last, err := gone(kindIsolated, rec.Bridge)
		if err != nil {
			return err
		}
		if last {
			ops = append(ops, isolatedOp(true, rec.Bridge))
		}
	}
	present, err := r.hasChain()
	if err != nil {
		return err
	}
	// A table deleted behind the plugin's back (nft flush ruleset) leaves
	// no element to remove.
	switch {
	case sole:
		err = r.deleteAll()
	case present:
		err = r.ApplyElems(ops)
	}
	if err != nil {
		return err
	}
	for _, h := range holds {
		if err := s.Unhold(h.kind, h.key, a); err != nil {
			return err
		}
	}
	return s.RemoveRecord(a)
}
