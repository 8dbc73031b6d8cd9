package macvlan

import (
	"errors"
	"fmt"

	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
)

// inNetns runs fn in the namespace at netnsPath when inContainer is set,
// else in the current one.
func inNetns(netnsPath string, inContainer bool, fn func() error) error {
	if !inContainer {
		return fn()
	}
	err := ns.WithNetNSPath(netnsPath, func(ns.NetNS) error { return fn() })
	if err != nil {
		return fmt.Errorf("netns %s: %w", netnsPath, err)
	}
	return nil
}

// defaultRouteInterface returns the name of the interface of the first
// default route, IPv4 or IPv6, of the host or, with inContainer, of the
// container's namespace.
func defaultRouteInterface(netnsPath string, inContainer bool) (string, error) {
	var name string
	err := inNetns(netnsPath, inContainer, func() error {
		routes, err := netlinksafe.RouteList(nil, netlink.FAMILY_ALL)
		if err != nil {
			return fmt.Errorf("listing routes: %w", err)
		}
		for _, r := range routes {
			if !ip.IsIPNetZero(r.Dst) || r.LinkIndex == 0 {
				continue
			}
			link, err := netlink.LinkByIndex(r.LinkIndex)
			if err != nil {
				return fmt.Errorf("finding the interface of the default route: %w", err)
			}
			name = link.Attrs().Name
			return nil
		}
		return errors.New("no default route interface found")
	})
	return name, err
}

// findMaster looks the master up in the host or, with inContainer, in the
// container's namespace.
func findMaster(name, netnsPath string, inContainer bool) (netlink.Link, error) {
	var link netlink.Link
	err := inNetns(netnsPath, inContainer, func() error {
		var err error
		link, err = netlinksafe.LinkByName(name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("failed to lookup master %q: %w", name, err)
	}
	return link, nil
}
