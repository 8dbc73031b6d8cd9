package loopback

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
)

// cmdDel brings lo down. A namespace that is not given or no longer exists
// has nothing to bring down: that is success.
func cmdDel(args *skel.CmdArgs) error {
	if args.Netns == "" {
		return nil
	}
	err := ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
		link, err := netlinksafe.LinkByName(ifName)
		if err != nil {
			return fmt.Errorf("finding %s: %w", ifName, err)
		}
		if err := netlink.LinkSetDown(link); err != nil {
			return fmt.Errorf("bringing %s down: %w", ifName, err)
		}
		return nil
	})
	if err == nil || plugins.NetnsGone(err) {
		return nil
	}
	return fmt.Errorf("loopback: netns %s: %w", args.Netns, err)
}
