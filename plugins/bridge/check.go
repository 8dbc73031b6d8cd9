package bridge

import (
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/ifplugin"
	"github.com/cnictl/cnictl/plugins/internal/nat"
)

// cmdCheck verifies the attachment against prevResult: the bridge, the
// container interface and its host veth on the bridge, the addresses and
// routes in the container, the NAT and the MAC spoof check.
func cmdCheck(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := check(c, args); err != nil {
		return fmt.Errorf("bridge: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return nil
}

// check does the work of CHECK.
func check(c *config, args *skel.CmdArgs) error {
	if c.layer3() {
		if err := ipam.ExecCheck(c.IPAM.Type, args.StdinData); err != nil {
			return fmt.Errorf("IPAM plugin %q: %w", c.IPAM.Type, err)
		}
	}
	result, err := plugins.PrevResult(&c.NetConf)
	if err != nil {
		return err
	}
	if result == nil {
		return errors.New("required prevResult missing")
	}
	var brIf *current.Interface
	for _, intf := range result.Interfaces {
		if intf.Name == c.Bridge && intf.Sandbox == "" {
			brIf = intf
		}
	}
	if brIf == nil {
		return fmt.Errorf("prevResult has no bridge %q", c.Bridge)
	}
	contIf, err := ifplugin.ContainerInterface(result, args)
	if err != nil {
		return err
	}
	br, err := checkBridge(brIf, c)
	if err != nil {
		return err
	}
	netns, err := ns.GetNS(args.Netns)
	if err != nil {
		return fmt.Errorf("opening netns %q: %w", args.Netns, err)
	}
	defer netns.Close()
	var contIndex, peerIndex int
	err = netns.Do(func(ns.NetNS) error {
		contIndex, peerIndex, err = checkContainerIf(contIf)
		return err
	})
	if err != nil {
		return err
	}
	hostIf, err := findHostVeth(result.Interfaces, br, contIndex, peerIndex)
	if err != nil {
		return err
	}
	err = netns.Do(func(ns.NetNS) error {
		if err := ip.ValidateExpectedInterfaceIPs(args.IfName, result.IPs); err != nil {
			return err
		}
		return ip.ValidateExpectedRoute(result.Routes)
	})
	if err != nil {
		return err
	}
	if c.IPMasq && c.layer3() {
		ips := make([]*net.IPNet, len(result.IPs))
		for i, ipc := range result.IPs {
			ips[i] = &ipc.Address
		}
		if err := nat.Check(c.attachment(args), ips); err != nil {
			return err
		}
	}
	if c.MacSpoofChk {
		return checkSpoofCheck(c.attachment(args), hostIf.Name, contIf.Mac)
	}
	return nil
}

// checkBridge verifies the bridge of prevResult: it exists, is a bridge,
// and has its MAC address and the configured promiscuous mode.
func checkBridge(intf *current.Interface, c *config) (*netlink.Bridge, error) {
	br, err := bridgeByName(intf.Name)
	if err != nil {
		return nil, err
	}
	if intf.Mac != "" && intf.Mac != br.HardwareAddr.String() {
		return nil, fmt.Errorf("bridge %q has MAC address %s, prevResult says %s", intf.Name, br.HardwareAddr, intf.Mac)
	}
	if promisc := br.Promisc != 0; promisc != c.PromiscMode {
		return nil, fmt.Errorf("bridge %q has promiscuous mode %v, configured %v", intf.Name, promisc, c.PromiscMode)
	}
	return br, nil
}

// checkContainerIf verifies the container interface, in the container's
// namespace: a veth with the MAC address of prevResult. It returns its
// index and its peer's.
func checkContainerIf(intf *current.Interface) (index, peer int, err error) {
	link, peer, err := ip.GetVethPeerIfindex(intf.Name)
	if err != nil {
		return 0, 0, fmt.Errorf("container interface %q: %w", intf.Name, err)
	}
	if intf.Mac != "" && intf.Mac != link.Attrs().HardwareAddr.String() {
		return 0, 0, fmt.Errorf("container interface %q has MAC address %s, prevResult says %s", intf.Name, link.Attrs().HardwareAddr, intf.Mac)
	}
	return link.Attrs().Index, peer, nil
}

// findHostVeth finds, among the host interfaces of prevResult, the veth
// that is the peer of the container interface and a port of the bridge,
// and verifies its MAC address.
func findHostVeth(intfs []*current.Interface, br *netlink.Bridge, contIndex, peerIndex int) (*current.Interface, error) {
	for _, intf := range intfs {
		if intf.Sandbox != "" || intf.Name == br.Name {
			continue
		}
		link, err := netlinksafe.LinkByName(intf.Name)
		if err != nil {
			continue
		}
		veth, ok := link.(*netlink.Veth)
		if !ok || veth.Index != peerIndex || veth.ParentIndex != contIndex {
			continue
		}
		if veth.MasterIndex != br.Index {
			return nil, fmt.Errorf("host veth %q is not a port of bridge %q", intf.Name, br.Name)
		}
		if intf.Mac != "" && intf.Mac != veth.HardwareAddr.String() {
			return nil, fmt.Errorf("host veth %q has MAC address %s, prevResult says %s", intf.Name, veth.HardwareAddr, intf.Mac)
		}
		return intf, nil
	}
	return nil, fmt.Errorf("no host veth of prevResult is the peer of the container interface on bridge %q", br.Name)
}
