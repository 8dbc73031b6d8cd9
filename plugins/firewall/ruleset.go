package firewall

import (
	"fmt"

	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// ruleset changes cnictl's firewall tables over one netlink connection.
type ruleset struct{ *nftutil.Conn }

// openRuleset connects to nftables in the current network namespace.
func openRuleset() (*ruleset, error) {
	return nftutil.ConnectAs(func(c *nftutil.Conn) *ruleset { return &ruleset{c} })
}

// hasChain reports whether the table's forward chain has rules, which it
// has from its creation on.
func (r *ruleset) hasChain() (bool, error) {
	rules, err := r.Rules(inetTable, forwardChain)
	return len(rules) > 0, err
}

// ensureInet creates the inet table with its sets and chain, in one batch,
// unless its chain has rules already. Rules are not idempotent in
// nftables; they are added only to a chain found empty, under the state
// lock.
func (r *ruleset) ensureInet() error {
	ok, err := r.hasChain()
	if err != nil || ok {
		return err
	}
	r.AddTable(inetTable)
	for _, s := range inetSets() {
		if err := r.AddSet(s, nil); err != nil {
			return fmt.Errorf("creating set %s: %w", s.Name, err)
		}
	}
	ch := r.AddChain(inetChain())
	for _, exprs := range inetRules() {
		r.AddRule(&nftables.Rule{Table: inetTable, Chain: ch, Exprs: exprs})
	}
	if err := r.Flush(); err != nil {
		return fmt.Errorf("creating table inet %s: %w", tableName, err)
	}
	return nil
}

// deleteAll deletes the table and the rule in iptables' FORWARD chains.
func (r *ruleset) deleteAll() error {
	if err := r.removeForwardAccept(); err != nil {
		return err
	}
	return r.DeleteTable(inetTable)
}
