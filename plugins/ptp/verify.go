package ptp

import (
	"errors"
	"fmt"
	"slices"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"
)

// checkVeth verifies that the interface of the current namespace named by
// intf is a veth with intf's MAC address, if it has one.
func checkVeth(intf *current.Interface) error {
	if intf.Name == "" {
		return errors.New("no interface name in prevResult")
	}
	link, err := netlinksafe.LinkByName(intf.Name)
	if err != nil {
		return fmt.Errorf("finding %s: %w", intf.Name, err)
	}
	if _, ok := link.(*netlink.Veth); !ok {
		return fmt.Errorf("%s is a %s, not a veth", intf.Name, link.Type())
	}
	if mac := link.Attrs().HardwareAddr.String(); intf.Mac != "" && intf.Mac != mac {
		return fmt.Errorf("%s has MAC %s, prevResult says %s", intf.Name, mac, intf.Mac)
	}
	return nil
}

// checkHost verifies that the host end name carries each gateway address
// and routes to each container address.
func checkHost(name string, ips []*current.IPConfig) error {
	link, err := netlinksafe.LinkByName(name)
	if err != nil {
		return fmt.Errorf("finding host veth %s: %w", name, err)
	}
	addrs, err := netlinksafe.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("listing the addresses of host veth %s: %w", name, err)
	}
	for _, ipc := range ips {
		gw := hostNet(ipc.Gateway).String()
		if !slices.ContainsFunc(addrs, func(a netlink.Addr) bool { return a.IPNet.String() == gw }) {
			return fmt.Errorf("host veth %s lacks gateway address %s", name, gw)
		}
		dst := hostNet(ipc.Address.IP)
		filter := &netlink.Route{Dst: dst, LinkIndex: link.Attrs().Index}
		routes, err := netlinksafe.RouteListFiltered(netlink.FAMILY_ALL, filter, netlink.RT_FILTER_DST|netlink.RT_FILTER_OIF)
		if err != nil {
			return fmt.Errorf("listing the routes to %s: %w", dst, err)
		}
		if len(routes) == 0 {
			return fmt.Errorf("no host route to %s via %s", dst, name)
		}
	}
	return nil
}
