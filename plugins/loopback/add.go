package loopback

import (
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
)

// cmdAdd brings lo up and prints its result, or the prevResult unchanged,
// at the configuration's cniVersion.
func cmdAdd(args *skel.CmdArgs) error {
	conf, err := loadConfig(args.StdinData)
	if err != nil {
		return err
	}
	var addrs []*net.IPNet
	err = ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
		addrs, err = bringUp()
		return err
	})
	if err != nil {
		return fmt.Errorf("loopback: %s: netns %s: %w", plugins.Describe(conf.Name, args), args.Netns, err)
	}
	if conf.PrevResult != nil {
		return types.PrintResult(conf.PrevResult, conf.CNIVersion)
	}
	return types.PrintResult(newResult(args.Netns, addrs), conf.CNIVersion)
}

// bringUp sets lo up in the current namespace and returns its first IPv4
// and first IPv6 address, those present. Every address must be a loopback
// one.
func bringUp() ([]*net.IPNet, error) {
	link, err := netlinksafe.LinkByName(ifName)
	if err != nil {
		return nil, fmt.Errorf("finding %s: %w", ifName, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return nil, fmt.Errorf("bringing %s up: %w", ifName, err)
	}
	var first []*net.IPNet
	for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		addrs, err := netlinksafe.AddrList(link, family)
		if err != nil {
			return nil, fmt.Errorf("listing the addresses of %s: %w", ifName, err)
		}
		for _, a := range addrs {
			if !a.IP.IsLoopback() {
				return nil, fmt.Errorf("loopback interface found with non-loopback address %q", a.IP)
			}
		}
		if len(addrs) > 0 {
			first = append(first, addrs[0].IPNet)
		}
	}
	return first, nil
}

// newResult describes lo in the namespace at netns with addrs, as the
// reference plugin does. Unlike the reference, which labels this result
// with the configuration's cniVersion and so prints the 1.0.0 layout at
// every version, it is left at its own version, for PrintResult to convert.
func newResult(netns string, addrs []*net.IPNet) *current.Result {
	r := &current.Result{
		CNIVersion: current.ImplementedSpecVersion,
		Interfaces: []*current.Interface{{Name: ifName, Mac: "00:00:00:00:00:00", Sandbox: netns}},
	}
	for _, a := range addrs {
		r.IPs = append(r.IPs, &current.IPConfig{Interface: current.Int(0), Address: *a})
	}
	return r
}
