package ptp

import (
	"errors"
	"fmt"
	"os"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// setupHost gives the host end name each gateway address as a /32 (/128)
// and a host route to each container address.
func setupHost(name string, ips []*current.IPConfig) error {
	veth, err := netlinksafe.LinkByName(name)
	if err != nil {
		return fmt.Errorf("finding host veth %s: %w", name, err)
	}
	for _, ipc := range ips {
		gw := &netlink.Addr{IPNet: hostNet(ipc.Gateway)}
		if ipc.Gateway.To4() == nil {
			// Every host end of the network has this address: duplicate
			// address detection would only delay the first packets.
			gw.Flags = unix.IFA_F_NODAD
		}
		if err := netlink.AddrAdd(veth, gw); err != nil && !os.IsExist(err) {
			return fmt.Errorf("adding gateway address %s to host veth %s: %w", gw.IPNet, name, err)
		}
		dst := hostNet(ipc.Address.IP)
		if err := ip.AddHostRoute(dst, nil, veth); err != nil && !os.IsExist(err) {
			return fmt.Errorf("adding host route to %s via %s: %w", dst, name, err)
		}
	}
	return nil
}

// deleteHostVeth removes the veth called name, and with it its peer, and
// reports whether there was one. A link of that name that is not a veth is
// left alone.
func deleteHostVeth(name string) (bool, error) {
	link, err := netlinksafe.LinkByName(name)
	if err != nil {
		var notFound netlink.LinkNotFoundError
		if errors.As(err, &notFound) {
			return false, nil
		}
		return false, fmt.Errorf("finding host veth %s: %w", name, err)
	}
	if _, ok := link.(*netlink.Veth); !ok {
		return false, nil
	}
	if err := netlink.LinkDel(link); err != nil && !errors.Is(err, unix.ENODEV) {
		return false, fmt.Errorf("removing host veth %s: %w", name, err)
	}
	return true, nil
}
