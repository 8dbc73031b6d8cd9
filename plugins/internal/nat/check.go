package nat

import (
	"encoding/binary"
	"fmt"
	"reflect"

	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// check verifies that the postrouting chain and the chains of entries hold
// their rules, and that each entry's address maps to its chain.
func (r *ruleset) check(entries []entry) error {
	if err := r.checkChain(baseChainName, baseRules()); err != nil {
		return err
	}
	for _, e := range entries {
		if err := r.checkChain(e.chain, chainRules(e)); err != nil {
			return err
		}
	}
	for _, f := range nftutil.Families {
		var want []entry
		for _, e := range entries {
			if nftutil.FamilyOf(e.addr) == f {
				want = append(want, e)
			}
		}
		if len(want) == 0 {
			continue
		}
		m := masqMap(f)
		elems, err := r.GetSetElements(m)
		if err != nil {
			return fmt.Errorf("listing map %s: %w", m.Name, err)
		}
		values := map[string][]byte{}
		for _, el := range elems {
			values[string(el.Key)] = el.Val
		}
		for _, e := range want {
			val, ok := values[string(e.addr)]
			if !ok {
				return fmt.Errorf("address %s is missing from map %s", e.addr, m.Name)
			}
			v, err := decodeVerdict(val)
			if err != nil {
				return fmt.Errorf("address %s in map %s: %w", e.addr, m.Name, err)
			}
			if v.Kind != expr.VerdictJump || v.Chain != e.chain {
				return fmt.Errorf("address %s maps to %+v in map %s, expected a jump to chain %s", e.addr, *v, m.Name, e.chain)
			}
		}
	}
	return nil
}

// checkChain verifies that chain holds exactly the rules want.
func (r *ruleset) checkChain(chain string, want [][]expr.Any) error {
	rules, err := r.rules(chain)
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		return fmt.Errorf("chain %s of table inet %s is missing or empty", chain, tableName)
	}
	if len(rules) != len(want) {
		return fmt.Errorf("chain %s holds %d rules, expected %d", chain, len(rules), len(want))
	}
	for i, rule := range rules {
		if !sameExprs(rule.Exprs, want[i]) {
			return fmt.Errorf("rule %d of chain %s differs from what cnictl installs", i+1, chain)
		}
	}
	return nil
}

// decodeVerdict decodes the verdict of a map element, which
// GetSetElements leaves undecoded in Val: the attributes of
// NFTA_DATA_VERDICT.
func decodeVerdict(val []byte) (*expr.Verdict, error) {
	ad, err := netlink.NewAttributeDecoder(val)
	if err != nil {
		return nil, fmt.Errorf("decoding verdict: %w", err)
	}
	ad.ByteOrder = binary.BigEndian
	v := &expr.Verdict{}
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_VERDICT_CODE:
			v.Kind = expr.VerdictKind(int32(ad.Uint32()))
		case unix.NFTA_VERDICT_CHAIN:
			v.Chain = ad.String()
		}
	}
	if err := ad.Err(); err != nil {
		return nil, fmt.Errorf("decoding verdict: %w", err)
	}
	return v, nil
}

// sameExprs compares the expressions of a rule read from the kernel with
// the ones cnictl makes, ignoring what the kernel does not report back.
func sameExprs(got, want []expr.Any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		w := want[i]
		if l, ok := w.(*expr.Lookup); ok {
			l2 := *l
			l2.SetID = 0
			w = &l2
		}
		if g, ok := got[i].(*expr.Lookup); ok {
			g2 := *g
			g2.SetID = 0
			got[i] = &g2
		}
		if !reflect.DeepEqual(got[i], w) {
			return false
		}
	}
	return true
}
