package bridge

import (
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/vishvananda/netlink"
)

// containerIfIndex is the index of the container interface in the result:
// bridge, host veth, container interface.
const containerIfIndex = 2

// gateways are the bridge addresses of one IP family.
type gateways struct {
	family int
	addrs  []net.IPNet
}

// calcGateways points every IP of result at the container interface, fills
// in missing gateways (the subnet's first address) when the bridge is the
// gateway, adds a default route per family when it is the default gateway
// and IPAM gave none, and returns the bridge addresses per family, as the
// reference does.
func calcGateways(result *current.Result, c *config) (v4, v6 *gateways, err error) {
	v4, v6 = &gateways{family: netlink.FAMILY_V4}, &gateways{family: netlink.FAMILY_V6}
	defaultFound := map[*gateways]bool{}
	for _, ipc := range result.IPs {
		gws, zero := v4, net.IPv4zero
		switch {
		case ipc.Address.IP.To4() != nil:
		case len(ipc.Address.IP) == net.IPv6len:
			gws, zero = v6, net.IPv6zero
		default:
			return nil, nil, fmt.Errorf("IPAM returned an invalid address %v", ipc.Address)
		}
		defaultNet := net.IPNet{IP: zero, Mask: net.IPMask(zero)}
		ipc.Interface = current.Int(containerIfIndex)
		if ipc.Gateway == nil && c.IsGateway {
			ipc.Gateway = ip.NextIP(ipc.Address.IP.Mask(ipc.Address.Mask))
		}
		if c.IsDefaultGateway && !defaultFound[gws] {
			for _, r := range result.Routes {
				if r.GW != nil && r.Dst.String() == defaultNet.String() {
					defaultFound[gws] = true
					break
				}
			}
			if !defaultFound[gws] {
				result.Routes = append(result.Routes, &types.Route{Dst: defaultNet, GW: ipc.Gateway})
				defaultFound[gws] = true
			}
		}
		if c.IsGateway {
			gws.addrs = append(gws.addrs, net.IPNet{IP: ipc.Gateway, Mask: ipc.Address.Mask})
		}
	}
	return v4, v6, nil
}
