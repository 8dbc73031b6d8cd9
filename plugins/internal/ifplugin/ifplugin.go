// Package ifplugin holds what the interface plugins bridge, ptp and
// macvlan share beyond package plugins: whether the configuration's DNS
// settings replace the IPAM plugin's, and the container's side of CHECK.
package ifplugin

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ns"
)

// DNSSet reports whether d, the DNS settings of a network configuration,
// sets any field: the result then carries them instead of the IPAM
// plugin's, as with the reference plugins. An empty list counts as set.
func DNSSet(d types.DNS) bool {
	return d.Nameservers != nil || d.Search != nil || d.Options != nil || d.Domain != ""
}

// ContainerInterface returns the interface of prevResult result that is
// the attachment's container interface: args.IfName in the sandbox
// args.Netns.
func ContainerInterface(result *current.Result, args *skel.CmdArgs) (*current.Interface, error) {
	var cont *current.Interface
	for _, intf := range result.Interfaces {
		if intf.Name == args.IfName && intf.Sandbox == args.Netns {
			cont = intf
		}
	}
	if cont == nil {
		return nil, fmt.Errorf("prevResult has no interface %q in netns %s", args.IfName, args.Netns)
	}
	return cont, nil
}

// CheckContainer verifies, in netns, the container interface intf of
// prevResult result with checkLink, then the addresses and routes of
// result.
func CheckContainer(netns ns.NetNS, intf *current.Interface, result *current.Result, checkLink func(*current.Interface) error) error {
	err := netns.Do(func(ns.NetNS) error {
		if err := checkLink(intf); err != nil {
			return fmt.Errorf("container interface: %w", err)
		}
		if err := ip.ValidateExpectedInterfaceIPs(intf.Name, result.IPs); err != nil {
			return fmt.Errorf("container addresses: %w", err)
		}
		if err := ip.ValidateExpectedRoute(result.Routes); err != nil {
			return fmt.Errorf("container routes: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("netns %s: %w", netns.Path(), err)
	}
	return nil
}
