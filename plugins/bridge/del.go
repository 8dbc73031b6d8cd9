package bridge

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/nat"
)

// cmdDel detaches the container: it deletes the container interface (and
// with it the host veth) if the namespace and the interface still exist,
// removes the NAT and the MAC spoof check from cnictl's own state, whatever
// the configuration says now, and releases the addresses. Each step
// tolerates what is already gone, so DEL can be repeated (SPEC.md,
// section 2, DEL: plugins complete DEL even if some resources are missing,
// and accept multiple DELs).
func cmdDel(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := del(c, args); err != nil {
		return fmt.Errorf("bridge: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return nil
}

// del does the work of DEL.
func del(c *config, args *skel.CmdArgs) error {
	if args.Netns != "" {
		err := ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
			if err := ip.DelLinkByName(args.IfName); err != nil && !errors.Is(err, ip.ErrLinkNotFound) {
				return err
			}
			return nil
		})
		// A namespace that is gone took the interface with it.
		if err != nil && !plugins.NetnsGone(err) {
			return fmt.Errorf("deleting the container interface: %w", err)
		}
	}
	// NAT goes before the addresses, so that no other container gets one
	// of them while it is still masqueraded for this one.
	if err := nat.Teardown(c.attachment(args)); err != nil {
		return err
	}
	if err := teardownSpoofCheck(c.attachment(args)); err != nil {
		return err
	}
	if c.layer3() {
		if err := ipam.ExecDel(c.IPAM.Type, args.StdinData); err != nil {
			return fmt.Errorf("IPAM plugin %q: %w", c.IPAM.Type, err)
		}
	}
	return nil
}
