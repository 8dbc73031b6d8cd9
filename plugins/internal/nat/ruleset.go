package nat

import (
	"errors"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// ruleset changes cnictl's NAT table over one netlink connection.
type ruleset struct{ c *nftables.Conn }

// openRuleset connects to nftables in the current network namespace.
func openRuleset() (*ruleset, error) {
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("connecting to nftables: %w", err)
	}
	return &ruleset{c: c}, nil
}

// close closes the connection.
func (r *ruleset) close() { r.c.CloseLasting() }

// rules returns the rules of a chain of the table; none if the chain
// or the table does not exist.
func (r *ruleset) rules(chain string) ([]*nftables.Rule, error) {
	rules, err := r.c.GetRules(table, &nftables.Chain{Table: table, Name: chain})
	if err != nil {
		return nil, fmt.Errorf("listing rules of chain %s: %w", chain, err)
	}
	return rules, nil
}

// addChain queues the creation of a chain with its rules.
func (r *ruleset) addChain(ch *nftables.Chain, rules [][]expr.Any) {
	r.c.AddChain(ch)
	for _, exprs := range rules {
		r.c.AddRule(&nftables.Rule{Table: table, Chain: ch, Exprs: exprs})
	}
}

// ensure creates, in one batch, the table, its maps and its postrouting
// chain if they are missing, and the chains of entries that are missing.
// Only rules are not idempotent in nftables, and they are added only with
// a chain found empty, under the state lock.
func (r *ruleset) ensure(entries []entry) error {
	base, err := r.rules(baseChainName)
	if err != nil {
		return err
	}
	created := len(base) == 0
	if created {
		r.c.AddTable(table)
		for _, f := range families {
			if err := r.c.AddSet(f.set(), nil); err != nil {
				return fmt.Errorf("creating map %s: %w", f.mapName, err)
			}
		}
		r.addChain(&nftables.Chain{
			Table: table, Name: baseChainName, Type: nftables.ChainTypeNAT,
			Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource,
		}, baseRules())
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.chain] {
			continue
		}
		seen[e.chain] = true
		if !created {
			rules, err := r.rules(e.chain)
			if err != nil {
				return err
			}
			if len(rules) > 0 {
				continue
			}
		}
		r.addChain(&nftables.Chain{Table: table, Name: e.chain}, chainRules(e))
	}
	if err := r.c.Flush(); err != nil {
		return fmt.Errorf("creating table %s and its chains: %w", tableName, err)
	}
	return nil
}

// putElements maps the address of each entry to its chain. An address
// mapped to another chain, or claimed by another attachment (so that its
// element bears another comment), is replaced.
func (r *ruleset) putElements(fresh, taken []entry, comment string) error {
	for _, f := range families {
		var elems []nftables.SetElement
		for _, e := range fresh {
			if familyOf(e.addr) == f {
				elems = append(elems, element(e, comment))
			}
		}
		if len(elems) > 0 {
			if err := r.c.SetAddElements(f.set(), elems); err != nil {
				return fmt.Errorf("adding elements to map %s: %w", f.mapName, err)
			}
		}
	}
	err := r.c.Flush()
	if errors.Is(err, unix.EEXIST) {
		// Some address maps to another chain already: the batch did
		// nothing, so replace each address.
		taken, err = append(taken, fresh...), nil
	}
	if err != nil {
		return fmt.Errorf("adding map elements: %w", err)
	}
	for _, e := range taken {
		if err := r.replace(e, comment); err != nil {
			return err
		}
	}
	return nil
}

// replace maps the address of e to its chain, whatever it mapped to.
func (r *ruleset) replace(e entry, comment string) error {
	set := familyOf(e.addr).set()
	elem := []nftables.SetElement{element(e, comment)}
	if err := r.c.SetDeleteElements(set, []nftables.SetElement{{Key: e.addr}}); err != nil {
		return fmt.Errorf("replacing map element of %s: %w", e.addr, err)
	}
	if err := r.c.SetAddElements(set, elem); err != nil {
		return fmt.Errorf("replacing map element of %s: %w", e.addr, err)
	}
	err := r.c.Flush()
	if errors.Is(err, unix.ENOENT) {
		// Nothing to replace after all.
		if err := r.c.SetAddElements(set, elem); err != nil {
			return fmt.Errorf("adding map element of %s: %w", e.addr, err)
		}
		err = r.c.Flush()
	}
	if err != nil {
		return fmt.Errorf("mapping %s to chain %s: %w", e.addr, e.chain, err)
	}
	return nil
}
