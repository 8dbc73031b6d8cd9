package loopback

import (
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/cnictl/cnictl/plugins"
)

// cmdCheck verifies that lo is up.
func cmdCheck(args *skel.CmdArgs) error {
	conf, err := loadConfig(args.StdinData)
	if err != nil {
		return err
	}
	err = ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
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
		return fmt.Errorf("loopback: %s: netns %s: %w", plugins.Describe(conf.Name, args), args.Netns, err)
	}
	return nil
}
