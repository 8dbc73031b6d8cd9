package tuning

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/containernetworking/plugins/pkg/utils/sysctl"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins"
)

// cmdCheck verifies that the sysctls and the interface hold the configured
// values. As with the reference plugin, an interface must not be
// promiscuous unless promisc is set.
func cmdCheck(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := check(c, args); err != nil {
		return fmt.Errorf("tuning: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return nil
}

// check does the work of CHECK.
func check(c *config, args *skel.CmdArgs) error {
	if _, err := c.prevResult(); err != nil {
		return err
	}
	return ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
		for _, s := range c.settings {
			got, err := sysctl.Sysctl(s.path)
			if err != nil {
				return fmt.Errorf("reading sysctl %q: %w", s.key, err)
			}
			if !sameValue(s.value, got) {
				return fmt.Errorf("sysctl %q is %q, configured %q", s.key, got, s.value)
			}
		}
		link, err := netlinksafe.LinkByName(args.IfName)
		if err != nil {
			return fmt.Errorf("finding the container interface: %w", err)
		}
		return checkLink(c, link.Attrs())
	})
}

// checkLink compares the interface attributes with the configuration.
func checkLink(c *config, attrs *netlink.LinkAttrs) error {
	if c.Mac != "" && attrs.HardwareAddr.String() != c.Mac {
		return fmt.Errorf("MAC address is %s, configured %s", attrs.HardwareAddr, c.Mac)
	}
	if promisc := attrs.Promisc != 0; promisc != c.Promisc {
		return fmt.Errorf("promiscuous mode is %v, configured %v", promisc, c.Promisc)
	}
	if c.Mtu != 0 && attrs.MTU != c.Mtu {
		return fmt.Errorf("MTU is %d, configured %d", attrs.MTU, c.Mtu)
	}
	if allmulti := attrs.RawFlags&unix.IFF_ALLMULTI != 0; c.Allmulti != nil && allmulti != *c.Allmulti {
		return fmt.Errorf("all-multicast mode is %v, configured %v", allmulti, *c.Allmulti)
	}
	if c.TxQLen != nil && attrs.TxQLen != *c.TxQLen {
		return fmt.Errorf("transmit queue length is %d, configured %d", attrs.TxQLen, *c.TxQLen)
	}
	return nil
}
