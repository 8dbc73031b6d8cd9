package firewall

import (
	"errors"
	"fmt"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// ruleset changes cnictl's firewall tables over one netlink connection.
type ruleset struct{ c *nftables.Conn }

// openRuleset connects to nftables in the current network namespace.
func openRuleset() (*ruleset, error) {
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("connecting to nftables: %w", err)
	}
	return &ruleset{c: c}, nil
}

// Close closes the connection.
func (r *ruleset) Close() { r.c.CloseLasting() }

// hasChain reports whether the table's forward chain has rules, which it
// has from its creation on.
func (r *ruleset) hasChain() (bool, error) {
	rules, err := r.c.GetRules(inetTable, &nftables.Chain{Table: inetTable, Name: forwardChain})
	if err != nil {
		return false, fmt.Errorf("listing rules of chain %s of table %s: %w", forwardChain, tableName, err)
	}
	return len(rules) > 0, nil
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
	r.c.AddTable(inetTable)
	for _, s := range inetSets() {
		if err := r.c.AddSet(s, nil); err != nil {
			return fmt.Errorf("creating set %s: %w", s.Name, err)
		}
	}
	ch := r.c.AddChain(inetChain())
	for _, exprs := range inetRules() {
		r.c.AddRule(&nftables.Rule{Table: inetTable, Chain: ch, Exprs: exprs})
	}
	if err := r.c.Flush(); err != nil {
		return fmt.Errorf("creating table inet %s: %w", tableName, err)
	}
	return nil
}

// deleteAll deletes the table and the rule in iptables' FORWARD chains.
func (r *ruleset) deleteAll() error {
	if err := r.removeForwardAccept(); err != nil {
		return err
	}
	r.c.DelTable(inetTable)
	if err := r.c.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("deleting table inet %s: %w", tableName, err)
	}
	return nil
}
