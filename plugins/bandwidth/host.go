package bandwidth

import (
	"fmt"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
)

// hostVeth returns the host-side veth of the container interface ifName
// in the namespace at nsPath, the reference plugin's way: the veth peer
// of the container interface, which prevResult must list without a
// sandbox.
func hostVeth(interfaces []*current.Interface, ifName, nsPath string) (netlink.Link, error) {
	var peerIndex int
	err := ns.WithNetNSPath(nsPath, func(ns.NetNS) error {
		var err error
		_, peerIndex, err = ip.GetVethPeerIfindex(ifName)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("finding the veth peer of the container interface: %w", err)
	}
	link, err := netlink.LinkByIndex(peerIndex)
	if err != nil {
		return nil, fmt.Errorf("the veth peer of the container interface (index %d) is not in the host namespace: %w", peerIndex, err)
	}
	for _, intf := range interfaces {
		if intf.Sandbox == "" && intf.Name == link.Attrs().Name {
			return link, nil
		}
	}
	return nil, fmt.Errorf("prevResult does not list %q, the host-side veth of the container interface", link.Attrs().Name)
}
