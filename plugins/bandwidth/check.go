package bandwidth

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/netlinksafe"

	"github.com/cnictl/cnictl/plugins"
)

// cmdCheck verifies the qdiscs of the limits in force: the tbf on the
// host-side veth for ingress; for egress the ifb, its tbf and the filter
// redirecting the host-side veth's traffic to it.
func cmdCheck(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := check(c, args); err != nil {
		return fmt.Errorf("bandwidth: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return nil
}

// check does the work of CHECK.
func check(c *config, args *skel.CmdArgs) error {
	result, err := c.prevResult()
	if err != nil {
		return err
	}
	host, err := hostVeth(result.Interfaces, args.IfName, args.Netns)
	if err != nil {
		return err
	}
	l := c.limits()
	if l.ingress() {
		if err := checkTBF(host, newTBFParams(l.IngressRate, l.IngressBurst)); err != nil {
			return fmt.Errorf("ingress: %w", err)
		}
	}
	if !l.egress() {
		return nil
	}
	name := ifbName(c.Name, args.ContainerID)
	ifb, err := netlinksafe.LinkByName(name)
	if err != nil {
		return fmt.Errorf("egress: finding ifb %q: %w", name, err)
	}
	if err := checkRedirect(host, ifb); err != nil {
		return fmt.Errorf("egress: %w", err)
	}
	if err := checkTBF(ifb, newTBFParams(l.EgressRate, l.EgressBurst)); err != nil {
		return fmt.Errorf("egress: %w", err)
	}
	return nil
}
