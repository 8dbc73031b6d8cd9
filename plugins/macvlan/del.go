package macvlan

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/cnictl/cnictl/plugins"
)

// cmdDel removes the macvlan and then releases its addresses. It succeeds
// when there is nothing left to remove, also when the container's
// namespace is gone, which takes the macvlan with it (SPEC.md, section 2,
// DEL: plugins complete DEL even if some resources are missing, and accept
// multiple DELs).
func cmdDel(args *skel.CmdArgs) error {
	conf, err := parseConfig(args.StdinData)
	if err != nil {
		return err
	}
	if err := del(conf, args); err != nil {
		return fmt.Errorf("macvlan: %s: %w", plugins.Describe(conf.Name, args), err)
	}
	return nil
}

// del removes the macvlan and, once it is gone, releases the addresses,
// so that they are not handed out while still in use.
func del(conf *netConf, args *skel.CmdArgs) error {
	if args.Netns != "" {
		err := ns.WithNetNSPath(args.Netns, func(ns.NetNS) error { return deleteMacvlan(args.IfName) })
		if err != nil && !plugins.NetnsGone(err) {
			return fmt.Errorf("netns %s: %w (addresses not released yet)", args.Netns, err)
		}
	}
	if conf.IPAM.Type == "" {
		return nil
	}
	if err := ipam.ExecDel(conf.IPAM.Type, args.StdinData); err != nil {
		return fmt.Errorf("releasing the addresses: IPAM plugin %q: %w", conf.IPAM.Type, err)
	}
	return nil
}
