package loopback

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
)

// cmdDel brings lo down. A namespace that is not given or no longer exists
// has nothing to bring down: that is success (SPEC.md Section 2, DEL:
// plugins should not return an error for resources that are missing).
//
// Chained after an interface plugin (the prevResult names another
// interface than lo), it leaves lo up: lo belongs to the namespace, which
// the container's other attachments share, and the reference plugin taking
// it down on every DEL cuts them off from 127.0.0.1.
func cmdDel(args *skel.CmdArgs) error {
	if args.Netns == "" {
		return nil
	}
	conf, err := loadConfig(args.StdinData)
	if err != nil {
		return err
	}
	if chained(conf) {
		return nil
	}
	err = ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
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
	return fmt.Errorf("loopback: %s: netns %s: %w", plugins.Describe(conf.Name, args), args.Netns, err)
}

// chained reports whether conf's prevResult comes from another plugin: it
// names an interface other than lo.
func chained(conf *types.NetConf) bool {
	if conf.PrevResult == nil {
		return false
	}
	res, err := current.NewResultFromResult(conf.PrevResult)
	if err != nil {
		return false
	}
	for _, i := range res.Interfaces {
		if i.Name != ifName {
			return true
		}
	}
	return false
}
