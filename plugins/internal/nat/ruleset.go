package nat

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// ruleset changes cnictl's NAT table over one netlink connection.
type ruleset struct{ *nftutil.Conn }

// openRuleset connects to nftables in the current network namespace.
func openRuleset() (*ruleset, error) {
	return nftutil.ConnectAs(func(c *nftutil.Conn) *ruleset { return &ruleset{c} })
}

// rules returns the rules of a chain of the table; none if the chain
// or the table does not exist.
func (r *ruleset) rules(chain string) ([]*nftables.Rule, error) {
	return r.Rules(table, chain)
}

// addChain queues the creation of a chain with its rules.
func (r *ruleset) addChain(ch *nftables.Chain, rules [][]expr.Any) {
	r.AddChain(ch)
	for _, exprs := range rules {
		r.AddRule(&nftables.Rule{Table: table, Chain: ch, Exprs: exprs})
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
		r.AddTable(table)
		for _, f := range nftutil.Families {
			m := masqMap(f)
			if err := r.AddSet(m, nil); err != nil {
				return fmt.Errorf("creating map %s: %w", m.Name, err)
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
	if err := r.Flush(); err != nil {
		return fmt.Errorf("creating table %s and its chains: %w", tableName, err)
	}
	return nil
}

// putElements maps the address of each entry to its chain, with comment.
// An address that maps to another chain is replaced (nftutil's
// Conn.ApplyElems does that), and so is one that taken lists, claimed by
// another attachment: its element maps to the right chain, maybe, but
// bears the other attachment's comment.
func (r *ruleset) putElements(entries, taken []entry, comment string) error {
	ops := delOps(taken)
	for _, e := range entries {
		ops = append(ops, addOp(e, comment))
	}
	return r.ApplyElems(ops)
}
