package bridge

import (
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/containernetworking/plugins/pkg/utils/sysctl"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/ifplugin"
	"github.com/cnictl/cnictl/plugins/internal/nat"
)

// cmdAdd attaches the container to the bridge and prints the result.
func cmdAdd(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return fmt.Errorf("bridge: network %q: %w", c.Name, err)
	}
	result, err := add(c, args)
	if err != nil {
		return fmt.Errorf("bridge: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return types.PrintResult(result, c.CNIVersion)
}

// add does the work of ADD. On failure it undoes what it did: the veth
// pair, the MAC spoof check, the NAT and the IPAM allocation.
func add(c *config, args *skel.CmdArgs) (_ *current.Result, retErr error) {
	br, err := ensureBridge(c)
	if err != nil {
		return nil, err
	}
	netns, err := ns.GetNS(args.Netns)
	if err != nil {
		return nil, fmt.Errorf("opening netns %q: %w", args.Netns, err)
	}
	defer netns.Close()

	hostIf, contIf, err := setupVeth(netns, br, args.IfName, c)
	if err != nil {
		return nil, err
	}
	undo := func(what string, f func() error) {
		if retErr == nil {
			return
		}
		if err := f(); err != nil {
			retErr = errors.Join(retErr, fmt.Errorf("undoing %s: %w", what, err))
		}
	}
	defer undo("the veth pair", func() error {
		return netns.Do(func(ns.NetNS) error {
			if err := ip.DelLinkByName(args.IfName); err != nil && !errors.Is(err, ip.ErrLinkNotFound) {
				return err
			}
			return nil
		})
	})
	result := &current.Result{
		CNIVersion: current.ImplementedSpecVersion,
		Interfaces: []*current.Interface{{Name: br.Name, Mac: br.HardwareAddr.String()}, hostIf, contIf},
	}

	if c.MacSpoofChk {
		if err := setupSpoofCheck(c.attachment(args), hostIf.Name, contIf.Mac); err != nil {
			return nil, err
		}
		defer undo("the MAC spoof check", func() error { return teardownSpoofCheck(c.attachment(args)) })
	}

	if c.layer3() {
		// A failed IPAM ADD is undone too: the IPAM plugin may have
		// allocated before failing (SPEC.md, section 4, "Delegated plugin
		// execution procedure").
		defer undo("the IPAM allocation", func() error { return ipam.ExecDel(c.IPAM.Type, args.StdinData) })
		r, err := ipam.ExecAdd(c.IPAM.Type, args.StdinData)
		if err != nil {
			return nil, fmt.Errorf("IPAM plugin %q: %w", c.IPAM.Type, err)
		}
		if err := configureL3(c, args, netns, br, result, r); err != nil {
			return nil, err
		}
		if c.IPMasq {
			ips := make([]*net.IPNet, len(result.IPs))
			for i, ipc := range result.IPs {
				ips[i] = &ipc.Address
			}
			defer undo("NAT", func() error { return nat.Teardown(c.attachment(args)) })
			if err := nat.Setup(c.attachment(args), ips); err != nil {
				return nil, err
			}
		}
	} else if !c.DisableContainerInterface {
		err := netns.Do(func(ns.NetNS) error {
			link, err := netlinksafe.LinkByName(args.IfName)
			if err != nil {
				return err
			}
			return netlink.LinkSetUp(link)
		})
		if err != nil {
			return nil, fmt.Errorf("bringing the container interface up: %w", err)
		}
	}

	hostVeth, err := netlinksafe.LinkByName(hostIf.Name)
	if err != nil {
		return nil, fmt.Errorf("looking up host veth %q: %w", hostIf.Name, err)
	}
	if !c.DisableContainerInterface {
		if hostVeth, err = waitPortUp(hostIf.Name); err != nil {
			return nil, err
		}
	}
	// The host veth's and the bridge's MAC addresses may have changed
	// since they were read.
	hostIf.Mac = hostVeth.Attrs().HardwareAddr.String()
	if br, err = bridgeByName(c.Bridge); err != nil {
		return nil, err
	}
	result.Interfaces[0].Mac = br.HardwareAddr.String()
	if ifplugin.DNSSet(c.DNS) {
		result.DNS = c.DNS
	}
	return result, nil
}

// configureL3 puts the IPAM result r into result, configures the container
// interface with it, and makes the bridge the gateway if configured so.
func configureL3(c *config, args *skel.CmdArgs, netns ns.NetNS, br *netlink.Bridge, result *current.Result, r types.Result) error {
	ipamResult, err := current.NewResultFromResult(r)
	if err != nil {
		return fmt.Errorf("converting the result of IPAM plugin %q: %w", c.IPAM.Type, err)
	}
	if len(ipamResult.IPs) == 0 {
		return fmt.Errorf("IPAM plugin %q returned no IP configuration", c.IPAM.Type)
	}
	result.IPs, result.Routes, result.DNS = ipamResult.IPs, ipamResult.Routes, ipamResult.DNS
	v4, v6, err := calcGateways(result, c)
	if err != nil {
		return err
	}
	err = netns.Do(func(ns.NetNS) error {
		dad := "0"
		if c.EnableDad {
			dad = "1"
			_, _ = sysctl.Sysctl(fmt.Sprintf("net/ipv6/conf/%s/enhanced_dad", args.IfName), "1")
		}
		_, _ = sysctl.Sysctl(fmt.Sprintf("net/ipv6/conf/%s/accept_dad", args.IfName), dad)
		_, _ = sysctl.Sysctl(fmt.Sprintf("net/ipv4/conf/%s/arp_notify", args.IfName), "1")
		return ipam.ConfigureIface(args.IfName, result)
	})
	if err != nil {
		return fmt.Errorf("configuring the container interface: %w", err)
	}
	if !c.IsGateway {
		return nil
	}
	for _, gws := range []*gateways{v4, v6} {
		for _, gw := range gws.addrs {
			if err := ensureAddr(br, gws.family, &gw, c.ForceAddress); err != nil {
				return err
			}
		}
		if len(gws.addrs) == 0 {
			continue
		}
		enable := ip.EnableIP4Forward
		if gws.family == netlink.FAMILY_V6 {
			enable = ip.EnableIP6Forward
		}
		if err := enable(); err != nil {
			return fmt.Errorf("enabling forwarding: %w", err)
		}
	}
	return nil
}
