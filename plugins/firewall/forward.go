package firewall

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// forwardComment is the comment of the rule cnictl inserts in the FORWARD
// chain of iptables-nft, by which it finds it again.
const forwardComment = "cnictl-firewall: accept container traffic marked by table inet cnictl-firewall"

// iptablesFilters are the filter tables of iptables-nft and ip6tables-nft.
var iptablesFilters = []*nftables.Table{
	{Family: nftables.TableFamilyIPv4, Name: "filter"},
	{Family: nftables.TableFamilyIPv6, Name: "filter"},
}

// iptablesForward is the name of iptables' FORWARD chain.
const iptablesForward = "FORWARD"

// familyName names a table family in messages.
func familyName(t *nftables.Table) string {
	if t.Family == nftables.TableFamilyIPv6 {
		return "ip6"
	}
	return "ip"
}

// acceptMarked accepts packets that carry forwardMark; iptables -S shows
// it as -m mark --mark 0x1000/0x1000 -m comment --comment ... -j ACCEPT.
func acceptMarked(t *nftables.Table) *nftables.Rule {
	mark := binaryutil.NativeEndian.PutUint32(forwardMark)
	return &nftables.Rule{
		Table: t, Chain: &nftables.Chain{Table: t, Name: iptablesForward},
		Exprs: []expr.Any{
			&expr.Meta{Key: expr.MetaKeyMARK, Register: 1},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mark, Xor: make([]byte, 4)},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: mark},
			&expr.Counter{},
			&expr.Verdict{Kind: expr.VerdictAccept},
		},
		UserData: nftutil.RuleComment(forwardComment),
	}
}

// droppingForward reports whether t has iptables' FORWARD chain hooked at
// forward with policy drop.
func droppingForward(t *nftables.Table) (bool, error) {
	ch, ok, err := nftutil.GetChain(t.Family, t.Name, iptablesForward)
	if err != nil || !ok {
		return false, err
	}
	return ch.Hook != nil && *ch.Hook == *nftables.ChainHookForward && ch.Policy == nftables.ChainPolicyDrop, nil
}

// acceptRules returns cnictl's rules in t's FORWARD chain.
func (r *ruleset) acceptRules(t *nftables.Table) ([]*nftables.Rule, error) {
	rules, err := r.GetRules(t, &nftables.Chain{Table: t, Name: iptablesForward})
	if err != nil {
		return nil, fmt.Errorf("listing rules of %s %s %s: %w", familyName(t), t.Name, iptablesForward, err)
	}
	var ours []*nftables.Rule
	want := nftutil.RuleComment(forwardComment)
	for _, rule := range rules {
		if bytes.Equal(rule.UserData, want) {
			ours = append(ours, rule)
		}
	}
	return ours, nil
}

// lackingAccept lists the filter tables of iptables-nft whose FORWARD
// chain drops by policy and lacks cnictl's rule.
func (r *ruleset) lackingAccept() ([]*nftables.Table, error) {
	var out []*nftables.Table
	for _, t := range iptablesFilters {
		dropping, err := droppingForward(t)
		if err != nil {
			return nil, err
		}
		if !dropping {
			continue
		}
		ours, err := r.acceptRules(t)
		if err != nil {
			return nil, err
		}
		if len(ours) == 0 {
			out = append(out, t)
		}
	}
	return out, nil
}

// ensureForwardAccept inserts cnictl's rule at the top of each FORWARD
// chain of iptables-nft whose policy is drop, unless it is there.
func (r *ruleset) ensureForwardAccept() error {
	lacking, err := r.lackingAccept()
	if err != nil {
		return err
	}
	for _, t := range lacking {
		r.InsertRule(acceptMarked(t))
		if err := r.Flush(); err != nil {
			return fmt.Errorf("inserting the accept rule in %s %s %s (policy drop): %w", familyName(t), t.Name, iptablesForward, err)
		}
	}
	return nil
}

// checkForwardAccept fails if a FORWARD chain of iptables-nft drops by
// policy and lacks cnictl's rule.
func (r *ruleset) checkForwardAccept() error {
	lacking, err := r.lackingAccept()
	if err != nil || len(lacking) == 0 {
		return err
	}
	t := lacking[0]
	return fmt.Errorf("%s %s %s has policy drop and no rule accepting container traffic (comment %q)", familyName(t), t.Name, iptablesForward, forwardComment)
}

// removeForwardAccept deletes cnictl's rules from the FORWARD chains of
// iptables-nft, whatever their policy is now.
func (r *ruleset) removeForwardAccept() error {
	for _, t := range iptablesFilters {
		ours, err := r.acceptRules(t)
		if err != nil {
			return err
		}
		for _, rule := range ours {
			if err := r.DelRule(rule); err != nil {
				return fmt.Errorf("deleting the accept rule of %s %s %s: %w", familyName(t), t.Name, iptablesForward, err)
			}
		}
		if err := r.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("deleting the accept rule of %s %s %s: %w", familyName(t), t.Name, iptablesForward, err)
		}
	}
	return nil
}
