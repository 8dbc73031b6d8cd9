package portmap

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// ruleset changes cnictl's port mapping table over one netlink connection.
type ruleset struct{ *nftutil.Conn }

// openRuleset connects to nftables in the current network namespace.
func openRuleset() (*ruleset, error) {
	return nftutil.ConnectAs(func(c *nftutil.Conn) *ruleset { return &ruleset{c} })
}

// rules returns the rules of a chain of the table; none if the chain or
// the table does not exist.
func (r *ruleset) rules(name string) ([]*nftables.Rule, error) {
	return r.Rules(table, name)
}

// present reports whether the table is there: hostports has rules from
// the table's creation on.
func (r *ruleset) present() (bool, error) {
	rules, err := r.rules(chainHostports)
	return len(rules) > 0, err
}

// ensureBase creates, in one batch, the table with its unconditioned maps,
// its masq sets and its chains, unless hostports has rules already. Rules
// are not idempotent in nftables; they are added only to chains found
// empty, under the state lock.
func (r *ruleset) ensureBase() error {
	ok, err := r.present()
	if err != nil || ok {
		return err
	}
	r.AddTable(table)
	sets := append(groupMaps(""), masqSet(nftutil.IPv4), masqSet(nftutil.IPv6))
	for _, s := range sets {
		if err := r.AddSet(s, nil); err != nil {
			return fmt.Errorf("creating set %s: %w", s.Name, err)
		}
	}
	for _, bc := range baseChains() {
		r.AddChain(bc.chain)
		for _, exprs := range bc.rules {
			r.AddRule(&nftables.Rule{Table: table, Chain: bc.chain, Exprs: exprs})
		}
	}
	if err := r.Flush(); err != nil {
		return fmt.Errorf("creating table %s: %w", tableName, err)
	}
	return nil
}

// ensureGroup creates the chain and maps of a group with conditions, and
// the jump to them, unless its chain has rules already.
func (r *ruleset) ensureGroup(g group) error {
	if g.id == "" {
		return nil
	}
	rules, err := r.rules(groupChain(g.id))
	if err != nil || len(rules) > 0 {
		return err
	}
	for _, s := range groupMaps(g.id) {
		if err := r.AddSet(s, nil); err != nil {
			return fmt.Errorf("creating map %s: %w", s.Name, err)
		}
	}
	ch := r.AddChain(chain(groupChain(g.id)))
	for _, exprs := range groupRules(g) {
		r.AddRule(&nftables.Rule{Table: table, Chain: ch, Exprs: exprs})
	}
	r.InsertRule(jumpToGroup(g.id))
	if err := r.Flush(); err != nil {
		return fmt.Errorf("creating chain %s for conditions %v %v: %w", groupChain(g.id), g.v4, g.v6, err)
	}
	return nil
}

// deleteGroup deletes the jump to a group, its chain and its maps.
func (r *ruleset) deleteGroup(id string) error {
	rules, err := r.rules(chainHostports)
	if err != nil {
		return err
	}
	comment := nftutil.RuleComment(id)
	for _, rule := range rules {
		if bytes.Equal(rule.UserData, comment) {
			if err := r.DelRule(rule); err != nil {
				return fmt.Errorf("deleting the jump to chain %s: %w", groupChain(id), err)
			}
		}
	}
	r.DelChain(chain(groupChain(id)))
	for _, s := range groupMaps(id) {
		r.DelSet(s)
	}
	if err := r.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("deleting chain %s and its maps: %w", groupChain(id), err)
	}
	return nil
}
