package ptp

import (
	"errors"
	"fmt"
	"net"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
)

// setupContainer creates the veth pair, with its host end called hostName
// in the caller's namespace, and configures the container end ifName: the
// addresses and routes of result, and every packet sent via the gateway.
// It fills in result's interfaces, host end first, as the reference does.
// On failure it removes the pair.
func setupContainer(netns ns.NetNS, ifName, hostName string, mtu int, result *current.Result) error {
	return netns.Do(func(hostNS ns.NetNS) (retErr error) {
		hostVeth, contVeth, err := ip.SetupVethWithName(ifName, hostName, mtu, "", hostNS)
		if err != nil {
			return fmt.Errorf("creating veth pair %s (host %s): %w", ifName, hostName, err)
		}
		defer func() {
			if retErr == nil {
				return
			}
			if err := ip.DelLinkByName(ifName); err != nil {
				retErr = errors.Join(retErr, fmt.Errorf("removing %s: %w", ifName, err))
			}
		}()
		result.Interfaces = []*current.Interface{
			{Name: hostVeth.Name, Mac: hostVeth.HardwareAddr.String()},
			{Name: contVeth.Name, Mac: contVeth.HardwareAddr.String(), Sandbox: netns.Path()},
		}
		for _, ipc := range result.IPs {
			ipc.Interface = current.Int(1)
		}
		if err := ipam.ConfigureIface(ifName, result); err != nil {
			return fmt.Errorf("configuring %s: %w", ifName, err)
		}
		return routeViaGateway(contVeth.Index, result.IPs)
	})
}

// routeViaGateway replaces the subnet route of each address on the link
// with a link route to the gateway and a route to the subnet via the
// gateway. veth has no point-to-point mode; this makes the container send
// even its neighbours' traffic to the host.
func routeViaGateway(linkIndex int, ips []*current.IPConfig) error {
	for _, ipc := range ips {
		subnet := &net.IPNet{IP: ipc.Address.IP.Mask(ipc.Address.Mask), Mask: ipc.Address.Mask}
		auto := netlink.Route{LinkIndex: linkIndex, Dst: subnet, Scope: netlink.SCOPE_NOWHERE}
		if err := netlink.RouteDel(&auto); err != nil {
			return fmt.Errorf("deleting the subnet route %s: %w", subnet, err)
		}
		for _, r := range []netlink.Route{
			{LinkIndex: linkIndex, Dst: hostNet(ipc.Gateway), Scope: netlink.SCOPE_LINK, Src: ipc.Address.IP},
			{LinkIndex: linkIndex, Dst: subnet, Scope: netlink.SCOPE_UNIVERSE, Gw: ipc.Gateway, Src: ipc.Address.IP},
		} {
			if err := netlink.RouteAdd(&r); err != nil {
				return fmt.Errorf("adding route %s: %w", r, err)
			}
		}
	}
	return nil
}

// hostNet is the /32 or /128 network of addr.
func hostNet(addr net.IP) *net.IPNet {
	bits := 128
	if addr.To4() != nil {
		bits = 32
	}
	return &net.IPNet{IP: addr, Mask: net.CIDRMask(bits, bits)}
}
