package bandwidth

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
)

// cmdDel removes the ifb of the attachment and, while the container's
// namespace and prevResult tell which veth is the host side, the qdiscs
// the limits in force put on it. What is gone already is no error, so DEL
// can be repeated. The configuration is not validated: one that ADD
// rejected can still be deleted.
func cmdDel(args *skel.CmdArgs) error {
	c, err := parseConfig(args)
	if err != nil {
		return err
	}
	if err := del(c, args); err != nil {
		return fmt.Errorf("bandwidth: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return nil
}

// del does the work of DEL.
func del(c *config, args *skel.CmdArgs) error {
	var errs []error
	if host := delHostVeth(c, args); host != nil {
		l := c.limits()
		if l.egress() {
			errs = append(errs, delRedirect(host))
		}
		if l.ingress() {
			errs = append(errs, delRootTBF(host))
		}
	}
	errs = append(errs, delIfb(ifbName(c.Name, args.ContainerID)))
	return errors.Join(errs...)
}

// delHostVeth returns the host-side veth for DEL, nil if it cannot be
// found: without the namespace, the container interface or prevResult
// there is no veth pair left, or none that ADD could have shaped.
func delHostVeth(c *config, args *skel.CmdArgs) netlink.Link {
	if args.Netns == "" || c.RawPrevResult == nil {
		return nil
	}
	result, err := c.prevResult()
	if err != nil {
		return nil
	}
	host, err := hostVeth(result.Interfaces, args.IfName, args.Netns)
	if err != nil {
		return nil
	}
	return host
}
