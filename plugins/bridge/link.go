package bridge

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/containernetworking/plugins/pkg/utils/sysctl"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
)

// bridgeByName returns the bridge called name.
func bridgeByName(name string) (*netlink.Bridge, error) {
	l, err := netlinksafe.LinkByName(name)
	if err != nil {
		return nil, fmt.Errorf("looking up bridge %q: %w", name, err)
	}
	br, ok := l.(*netlink.Bridge)
	if !ok {
		return nil, fmt.Errorf("%q already exists but is not a bridge", name)
	}
	return br, nil
}

// ensureBridge creates the bridge unless it exists, and brings it up. As in
// the reference, an existing bridge keeps its MTU, and promiscuous mode is
// only ever turned on. A bridge it creates carries plugins.BridgeAlias.
func ensureBridge(c *config) (*netlink.Bridge, error) {
	attrs := netlink.NewLinkAttrs()
	attrs.Name = c.Bridge
	attrs.MTU = c.MTU
	err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs})
	if err != nil && !errors.Is(err, syscall.EEXIST) {
		return nil, fmt.Errorf("creating bridge %q: %w", c.Bridge, err)
	}
	created := err == nil
	br, err := bridgeByName(c.Bridge)
	if err != nil {
		return nil, err
	}
	if created {
		if err := netlink.LinkSetAlias(br, plugins.BridgeAlias+c.Name); err != nil {
			return nil, fmt.Errorf("marking bridge %q as cnictl's: %w", c.Bridge, err)
		}
	}
	if c.PromiscMode {
		if err := netlink.SetPromiscOn(br); err != nil {
			return nil, fmt.Errorf("setting promiscuous mode on bridge %q: %w", c.Bridge, err)
		}
	}
	// The plugin owns the bridge's routes.
	_, _ = sysctl.Sysctl(fmt.Sprintf("net/ipv6/conf/%s/accept_ra", c.Bridge), "0")
	if err := netlink.LinkSetUp(br); err != nil {
		return nil, fmt.Errorf("bringing bridge %q up: %w", c.Bridge, err)
	}
	return bridgeByName(c.Bridge)
}

// setupVeth creates the veth pair: the container end called ifName in
// netns, the host end attached to the bridge with the configured hairpin
// and isolation modes.
func setupVeth(netns ns.NetNS, br *netlink.Bridge, ifName string, c *config) (host, cont *current.Interface, err error) {
	host, cont = &current.Interface{}, &current.Interface{}
	err = netns.Do(func(hostNS ns.NetNS) error {
		hostVeth, contVeth, err := ip.SetupVeth(ifName, c.MTU, c.mac, hostNS)
		if err != nil {
			return err
		}
		cont.Name, cont.Mac, cont.Sandbox = contVeth.Name, contVeth.HardwareAddr.String(), netns.Path()
		host.Name = hostVeth.Name
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("creating veth pair: %w", err)
	}
	hostVeth, err := netlinksafe.LinkByName(host.Name)
	if err != nil {
		return nil, nil, fmt.Errorf("looking up host veth %q: %w", host.Name, err)
	}
	host.Mac = hostVeth.Attrs().HardwareAddr.String()
	if err := netlink.LinkSetMaster(hostVeth, br); err != nil {
		return nil, nil, fmt.Errorf("attaching host veth %q to bridge %q: %w", host.Name, br.Name, err)
	}
	if err := netlink.LinkSetHairpin(hostVeth, c.HairpinMode); err != nil {
		return nil, nil, fmt.Errorf("setting hairpin mode of host veth %q: %w", host.Name, err)
	}
	if err := netlink.LinkSetIsolated(hostVeth, c.PortIsolation); err != nil {
		return nil, nil, fmt.Errorf("setting isolation of host veth %q: %w", host.Name, err)
	}
	return host, cont, nil
}

// ensureAddr puts the gateway address gw on the bridge. An IPv4 address,
// or an IPv6 address overlapping gw, that differs from gw is an error, or
// is replaced with forceAddress.
func ensureAddr(br netlink.Link, family int, gw *net.IPNet, force bool) error {
	name := br.Attrs().Name
	addrs, err := netlinksafe.AddrList(br, family)
	if err != nil && !errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("listing addresses of bridge %q: %w", name, err)
	}
	for _, a := range addrs {
		if a.IPNet.String() == gw.String() {
			return nil
		}
		if family == netlink.FAMILY_V4 || a.IPNet.Contains(gw.IP) || gw.Contains(a.IPNet.IP) {
			if !force {
				return fmt.Errorf("bridge %q already has an IP address different from %v", name, gw)
			}
			if err := netlink.AddrDel(br, &a); err != nil {
				return fmt.Errorf("removing address %v from bridge %q: %w", a.IPNet, name, err)
			}
		}
	}
	if err := netlink.AddrAdd(br, &netlink.Addr{IPNet: gw}); err != nil && !errors.Is(err, syscall.EEXIST) {
		return fmt.Errorf("adding address %v to bridge %q: %w", gw, name, err)
	}
	// Pin the bridge's MAC address: otherwise it follows the lowest one
	// of its ports as containers come and go. A bridge that lost its last
	// port before it was pinned, as to a failed ADD, has the all-zero
	// address, which cannot be set: it is pinned to the one it took from
	// its new port instead. The reference fails there
	// (containernetworking/plugins#620).
	mac := br.Attrs().HardwareAddr
	if isZeroMAC(mac) {
		cur, err := netlinksafe.LinkByName(name)
		if err != nil {
			return fmt.Errorf("looking up bridge %q: %w", name, err)
		}
		mac = cur.Attrs().HardwareAddr
	}
	if err := netlink.LinkSetHardwareAddr(br, mac); err != nil {
		return fmt.Errorf("pinning the MAC address of bridge %q: %w", name, err)
	}
	return nil
}

// isZeroMAC reports whether mac is empty or all zeros.
func isZeroMAC(mac net.HardwareAddr) bool {
	for _, b := range mac {
		if b != 0 {
			return false
		}
	}
	return true
}

// waitPortUp waits until the host veth reaches the operational state up
// (the bridge port may take a moment), and returns it.
func waitPortUp(name string) (netlink.Link, error) {
	var link netlink.Link
	for _, sleep := range []time.Duration{0, 50, 500, 1000, 1000} {
		time.Sleep(sleep * time.Millisecond)
		var err error
		link, err = netlinksafe.LinkByName(name)
		if err != nil {
			return nil, fmt.Errorf("looking up host veth %q: %w", name, err)
		}
		if link.Attrs().OperState == netlink.OperUp {
			return link, nil
		}
	}
	return nil, fmt.Errorf("bridge port %q in state %s", name, link.Attrs().OperState)
}
