package nat

import (
	"errors"
	"fmt"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// remove deletes the map elements of owned, then the chains of entries
// that nothing jumps to any more, then the table if no chain but
// postrouting is left.
//
// All of it goes in one batch, planned before it is sent: the first
// request after a batch that deletes map elements waits for the kernel
// (about 10 ms, an RCU grace period), and so does a batch that fails. If
// the plan was wrong (an element was already gone, so a chain is still
// used or an element missing), removeSlowly does it step by step.
func (r *ruleset) remove(owned, entries []entry) error {
	if len(owned) == 0 && len(entries) == 0 {
		return nil
	}
	chains, err := r.chains()
	if err != nil || len(chains) == 0 {
		return err
	}
	var drop []string
	for _, c := range distinctChains(entries) {
		if !chains[c] {
			continue
		}
		jumps := 0
		for _, e := range owned {
			if e.chain == c {
				jumps++
			}
		}
		unused, err := r.unusedAfter(c, jumps)
		if err != nil {
			return err
		}
		if unused {
			drop = append(drop, c)
		}
	}
	left := len(chains) - len(drop)
	if chains[baseChainName] {
		left--
	}
	if left == 0 {
		r.DelTable(table)
	} else {
		if err := r.QueueElems(delOps(owned)); err != nil {
			return err
		}
		for _, c := range drop {
			r.DelChain(&nftables.Chain{Table: table, Name: c})
		}
	}
	err = r.Flush()
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EBUSY) {
		return r.removeSlowly(owned, entries)
	}
	if err != nil {
		return fmt.Errorf("deleting map elements and chains: %w", err)
	}
	return nil
}

// removeSlowly does what remove does one step at a time, tolerating
// elements and chains that are already gone.
func (r *ruleset) removeSlowly(owned, entries []entry) error {
	if err := r.ApplyElems(delOps(owned)); err != nil {
		return err
	}
	for _, c := range distinctChains(entries) {
		unused, err := r.unusedAfter(c, 0)
		if err != nil {
			return err
		}
		if !unused {
			continue
		}
		r.DelChain(&nftables.Chain{Table: table, Name: c})
		if err := r.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("deleting chain %s: %w", c, err)
		}
	}
	chains, err := r.chains()
	if err != nil {
		return err
	}
	delete(chains, baseChainName)
	if len(chains) > 0 {
		return nil
	}
	return r.DeleteTable(table)
}

// chains returns the names of the table's chains; none if there is no
// table.
func (r *ruleset) chains() (map[string]bool, error) {
	all, err := r.ListChainsOfTableFamily(table.Family)
	if err != nil {
		return nil, fmt.Errorf("listing chains: %w", err)
	}
	names := map[string]bool{}
	for _, ch := range all {
		if ch.Table.Name == tableName {
			names[ch.Name] = true
		}
	}
	return names, nil
}

// unusedAfter reports whether nothing will jump to chain once jumps map
// elements that jump to it are deleted. A chain that does not exist is not
// unused: there is nothing to delete.
//
// It reads the kernel's use count of the chain, its rules plus the rules
// and map elements that jump to it: asking is the cheap way to tell whether
// a chain is still jumped to, as a batch that tries to delete it and fails
// costs the kernel an abort of about 10 ms, every Teardown but a network's
// last would pay it.
func (r *ruleset) unusedAfter(chain string, jumps int) (bool, error) {
	ch, ok, err := nftutil.GetChain(table.Family, tableName, chain)
	if err != nil || !ok {
		return false, err
	}
	rules, err := r.rules(chain)
	if err != nil {
		return false, err
	}
	return int(ch.Use)-jumps <= len(rules), nil
}

// distinctChains lists the chains of entries, each once.
func distinctChains(entries []entry) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[e.chain] {
			seen[e.chain] = true
			out = append(out, e.chain)
		}
	}
	return out
}
