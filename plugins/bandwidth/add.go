package bandwidth

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/plugins"
)

// cmdAdd shapes the container's traffic and prints prevResult, with the
// ifb added to its interfaces when egress is limited.
func cmdAdd(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	result, err := add(c, args)
	if err != nil {
		return fmt.Errorf("bandwidth: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return types.PrintResult(result, c.CNIVersion)
}

// add does the work of ADD. On failure it removes what it added, and only
// that: an ifb that was there before is left alone.
func add(c *config, args *skel.CmdArgs) (_ *current.Result, retErr error) {
	result, err := c.prevResult()
	if err != nil {
		return nil, err
	}
	l := c.limits()
	if !l.ingress() && !l.egress() {
		return result, nil
	}
	host, err := hostVeth(result.Interfaces, args.IfName, args.Netns)
	if err != nil {
		return nil, err
	}
	var undo []func() error
	defer func() {
		if retErr == nil {
			return
		}
		for i := len(undo) - 1; i >= 0; i-- {
			if err := undo[i](); err != nil {
				retErr = errors.Join(retErr, fmt.Errorf("undoing: %w", err))
			}
		}
	}()
	if l.ingress() {
		if err := addTBF(host.Attrs().Index, newTBFParams(l.IngressRate, l.IngressBurst)); err != nil {
			return nil, fmt.Errorf("limiting ingress on %q: %w", host.Attrs().Name, err)
		}
		undo = append(undo, func() error { return delRootTBF(host) })
	}
	if l.egress() {
		ifb, err := addIfb(owner{Network: c.Name, ContainerID: args.ContainerID, IfName: args.IfName}, host.Attrs().MTU)
		if err != nil {
			return nil, err
		}
		undo = append(undo, func() error { return delIfb(ifb.Attrs().Name) })
		if err := addRedirect(host, ifb); err != nil {
			return nil, err
		}
		undo = append(undo, func() error { return delRedirect(host) })
		if err := addTBF(ifb.Attrs().Index, newTBFParams(l.EgressRate, l.EgressBurst)); err != nil {
			return nil, fmt.Errorf("limiting egress on %q: %w", ifb.Attrs().Name, err)
		}
		result.Interfaces = append(result.Interfaces, &current.Interface{
			Name: ifb.Attrs().Name,
			Mac:  ifb.Attrs().HardwareAddr.String(),
		})
	}
	return result, nil
}
