package firewall

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// cmdCheck verifies that what ADD installs for prevResult and the
// configuration is recorded and in the ruleset, and that the host's
// forwarding policy lets it through.
func cmdCheck(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	return records.Chained(conf.network, args, conf.prevResult != nil, func(a nftutil.Attachment) error {
		return check(conf, a)
	})
}

// check verifies what a installed.
func check(conf *config, a nftutil.Attachment) error {
	want, err := newRecord(conf, a)
	if err != nil {
		return err
	}
	if err := checkLegacyForward(); err != nil {
		return err
	}
	return records.Check(a, func(_ *nftutil.Store, r *ruleset, got *record) error {
		switch {
		case !slices.Equal(got.Addresses, want.Addresses):
			return fmt.Errorf("addresses %v are recorded, prevResult has %v", got.Addresses, want.Addresses)
		case got.Policy != want.Policy || got.Bridge != want.Bridge:
			return fmt.Errorf("ingress policy %q on bridge %q is recorded, the configuration asks for %q on %q", got.Policy, got.Bridge, want.Policy, want.Bridge)
		}
		if err := r.check(want); err != nil {
			return err
		}
		return r.checkForwardAccept()
	})
}

// check verifies that the chain has rules and the sets hold rec's
// elements. Unlike ADD and DEL, it lists whole sets, so its cost grows with
// the number of containers.
func (r *ruleset) check(rec *record) error {
	ok, err := r.hasChain()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("chain %s of table inet %s is missing or empty", forwardChain, tableName)
	}
	var ops []nftutil.ElemOp
	for _, ip := range rec.Addresses {
		op, err := addrOp(false, ip, "")
		if err != nil {
			return err
		}
		ops = append(ops, op)
	}
	if rec.Bridge != "" {
		ops = append(ops, bridgeOps(false, rec.Bridge)...)
	}
	if rec.Policy == policyIsolated {
		ops = append(ops, isolatedOp(false, rec.Bridge))
	}
	elems := map[string][]nftables.SetElement{}
	for _, op := range ops {
		if _, ok := elems[op.Set.Name]; !ok {
			es, err := r.GetSetElements(op.Set)
			if err != nil {
				return fmt.Errorf("listing set %s: %w", op.Set.Name, err)
			}
			elems[op.Set.Name] = es
		}
		found := slices.ContainsFunc(elems[op.Set.Name], func(e nftables.SetElement) bool {
			return bytes.Equal(e.Key, op.Elem.Key)
		})
		if !found {
			return fmt.Errorf("set %s has no element for %s", op.Set.Name, op.What)
		}
	}
	return nil
}
