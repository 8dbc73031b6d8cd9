package portmap

import (
	"fmt"
	"net"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/utils/sysctl"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// enableLocalnet sets route_localnet on the host interface that routes to
// the container address ip, so that connections from 127.0.0.1 can be
// DNATed to the container (the source is masqueraded on the way out). Like
// the reference, it does nothing if no route leads to ip, and never turns
// the setting off again: other containers may rely on it.
func enableLocalnet(ip net.IP) error {
	routes, err := netlink.RouteGet(ip)
	if err != nil || len(routes) == 0 {
		return nil
	}
	link, err := netlink.LinkByIndex(routes[0].LinkIndex)
	if err != nil {
		return nil
	}
	name := link.Attrs().Name
	if _, err := sysctl.Sysctl("net/ipv4/conf/"+name+"/route_localnet", "1"); err != nil {
		return fmt.Errorf("enabling route_localnet on %s: %w", name, err)
	}
	return nil
}

// udp is the protocol number of UDP.
const udp = 17

// flushUDP deletes the conntrack entries of UDP flows to the host ports
// rec maps, in the families of its addresses: without that, a flow that
// started before the mapping existed (or while it pointed elsewhere) keeps
// its old translation for as long as packets keep coming.
func flushUDP(rec *record) error {
	var filters []netlink.CustomConntrackFilter
	for _, m := range rec.Mappings {
		if m.Protocol != "udp" {
			continue
		}
		f := &netlink.ConntrackFilter{}
		if err := f.AddProtocol(udp); err != nil {
			return err
		}
		if err := f.AddPort(netlink.ConntrackOrigDstPort, m.HostPort); err != nil {
			return err
		}
		filters = append(filters, f)
	}
	if len(filters) == 0 {
		return nil
	}
	for _, s := range rec.Addresses {
		_, _, f, err := parseAddress(s)
		if err != nil {
			return err
		}
		family := netlink.InetFamily(unix.AF_INET)
		if f == nftutil.IPv6 {
			family = unix.AF_INET6
		}
		if _, err := netlinksafe.ConntrackDeleteFilters(netlink.ConntrackTable, family, filters...); err != nil {
			return fmt.Errorf("deleting conntrack entries of UDP host ports (IPv%s): %w", f.Suffix, err)
		}
	}
	return nil
}
