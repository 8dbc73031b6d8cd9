package portmap

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// cmdCheck verifies that the mappings runtimeConfig asks for are recorded
// for the attachment, that it owns their keys, and that the ruleset holds
// them.
func cmdCheck(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	return records.Chained(conf.network, args, conf.prevResult != nil, func(a nftutil.Attachment) error {
		return check(conf, a)
	})
}

// check verifies the mappings of a, if the configuration has any.
func check(conf *config, a nftutil.Attachment) error {
	if len(conf.mappings) == 0 {
		return nil
	}
	want, err := newRecord(conf, a)
	if err != nil {
		return err
	}
	return records.Check(a, func(s *nftutil.Store, r *ruleset, got *record) error {
		if err := compareRecords(got, want); err != nil {
			return err
		}
		return r.check(s, want)
	})
}

// compareRecords tells how the recorded mappings differ from the wanted.
func compareRecords(got, want *record) error {
	switch {
	case !slices.Equal(got.Addresses, want.Addresses):
		return fmt.Errorf("mappings are recorded for addresses %v, prevResult has %v", got.Addresses, want.Addresses)
	case !slices.Equal(got.Mappings, want.Mappings):
		return fmt.Errorf("recorded mappings %v differ from runtimeConfig's %v", got.Mappings, want.Mappings)
	case got.Group != want.Group:
		return fmt.Errorf("mappings are recorded under other conditions than the configuration's")
	case got.SNAT != want.SNAT || got.MasqAll != want.MasqAll:
		return fmt.Errorf("mappings are recorded with snat=%t, masqAll=%t; the configuration has snat=%t, masqAll=%t",
			got.SNAT, got.MasqAll, want.SNAT, want.MasqAll)
	}
	return nil
}

// check verifies that the chains rec needs have rules and that the maps
// and sets hold its elements. Unlike ADD and DEL, it lists whole maps, so
// its cost grows with the number of mappings.
func (r *ruleset) check(s *nftutil.Store, rec *record) error {
	chains := []string{chainPrerouting, chainOutput, chainPostrouting, chainHostports}
	if rec.Group != "" {
		chains = append(chains, groupChain(rec.Group))
	}
	for _, c := range chains {
		rules, err := r.rules(c)
		if err != nil {
			return err
		}
		if len(rules) == 0 {
			return fmt.Errorf("chain %s of table inet %s is missing or empty", c, tableName)
		}
	}
	dnat, masq, err := rec.entries()
	if err != nil {
		return err
	}
	elems := map[string][]nftables.SetElement{}
	find := func(set *nftables.Set, match func(nftables.SetElement) bool) (bool, error) {
		if _, ok := elems[set.Name]; !ok {
			es, err := r.GetSetElements(set)
			if err != nil {
				return false, fmt.Errorf("listing %s: %w", set.Name, err)
			}
			elems[set.Name] = es
		}
		return slices.ContainsFunc(elems[set.Name], match), nil
	}
	for _, e := range dnat {
		owner, ok, err := s.Owner(kindDNAT, e.claimKey())
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("host port %s is not claimed by any attachment", e.hostKey())
		}
		if owner != rec.Attachment {
			return fmt.Errorf("host port %s is mapped to %s, which was added first", e.hostKey(), owner)
		}
		want := e.element("")
		found, err := find(e.set(), func(got nftables.SetElement) bool {
			return bytes.Equal(got.Key, want.Key) && bytes.Equal(got.Val, want.Val)
		})
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("map %s has no element for %s", e.set().Name, e)
		}
	}
	for _, m := range masq {
		want := m.element()
		found, err := find(masqSet(m.fam), func(got nftables.SetElement) bool {
			return bytes.Equal(got.Key, want.Key) && bytes.Equal(got.KeyEnd, want.KeyEnd)
		})
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("set %s has no element %s", masqSet(m.fam).Name, m.holdKey())
		}
	}
	return nil
}
