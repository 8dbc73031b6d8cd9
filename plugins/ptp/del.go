package ptp

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
)

// cmdDel tears an attachment down. It succeeds when there is nothing left
// to remove, also when the container's namespace is gone (SPEC.md,
// section 2, DEL: plugins complete DEL even if some resources are missing,
// and accept multiple DELs).
func cmdDel(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := del(conf, args); err != nil {
		return fmt.Errorf("ptp: %s: %w", plugins.Describe(conf.Name, args), err)
	}
	return nil
}

// del removes the NAT rules and the veth pair, each step whatever the
// others did, then releases the addresses, but only once nothing routes
// them any more, so that they are not handed out while still in use. A
// failed DEL can be retried. The NAT rules go according to the nat
// package's record of the attachment, whatever ipMasq says now: the
// configuration may have changed since ADD.
func del(conf *netConf, args *skel.CmdArgs) error {
	if err := errors.Join(teardownMasq(conf, args), deletePair(conf, args)); err != nil {
		return fmt.Errorf("%w (addresses not released yet)", err)
	}
	if err := ipam.ExecDel(conf.IPAM.Type, args.StdinData); err != nil {
		return fmt.Errorf("releasing the addresses: IPAM plugin %q: %w", conf.IPAM.Type, err)
	}
	return nil
}

// deletePair removes the attachment's veth pair through its host end,
// which needs no namespace. Only when no host end is found, as for an
// attachment of the reference plugin deleted without prevResult, is the
// container end looked for.
func deletePair(conf *netConf, args *skel.CmdArgs) error {
	hosts, err := hostVethNames(conf, args)
	if err != nil {
		return err
	}
	for _, name := range hosts {
		found, err := deleteHostVeth(name)
		if err != nil || found {
			return err
		}
	}
	return deleteContainerVeth(args.Netns, args.IfName)
}

// deleteContainerVeth removes the veth ifName of the namespace at
// netnsPath, and with it its host end, if that end lives in another
// namespace, as ptp's does. A namespace or link that is gone is not an
// error.
func deleteContainerVeth(netnsPath, ifName string) error {
	if netnsPath == "" {
		return nil
	}
	err := ns.WithNetNSPath(netnsPath, func(ns.NetNS) error {
		link, err := netlinksafe.LinkByName(ifName)
		if err != nil {
			var notFound netlink.LinkNotFoundError
			if errors.As(err, &notFound) {
				return nil
			}
			return fmt.Errorf("finding %s: %w", ifName, err)
		}
		if _, ok := link.(*netlink.Veth); !ok || link.Attrs().NetNsID < 0 {
			return nil
		}
		if err := netlink.LinkDel(link); err != nil {
			return fmt.Errorf("removing %s: %w", ifName, err)
		}
		return nil
	})
	if err == nil || plugins.NetnsGone(err) {
		return nil
	}
	return fmt.Errorf("netns %s: %w", netnsPath, err)
}

// hostVethNames are the names the host end of the attachment may have:
// the one this plugin gives it and, for attachments made by the reference
// plugin, the host interface named in prevResult.
func hostVethNames(conf *netConf, args *skel.CmdArgs) ([]string, error) {
	names := []string{hostVethName(conf.Name, args.ContainerID, args.IfName)}
	prev, err := plugins.PrevResult(&conf.PluginConf)
	if err != nil || prev == nil {
		return names, err
	}
	for _, intf := range prev.Interfaces {
		if intf.Sandbox == "" && intf.Name != "" && intf.Name != names[0] {
			names = append(names, intf.Name)
		}
	}
	return names, nil
}
