package loopback

import (
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
)

// cmdCheck verifies that lo is up.
func cmdCheck(args *skel.CmdArgs) error {
	if _, err := loadConfig(args.StdinData); err != nil {
		return err
	}
	err := ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
		link, err := netlinksafe.LinkByName(ifName)
		if err != nil {
			return fmt.Errorf("finding %s: %w", ifName, err)
		}
		if link.Attrs().Flags&net.FlagUp == 0 {
			return errors.New("loopback interface is down")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loopback: netns %s: %w", args.Netns, err)
	}
	return nil
}
