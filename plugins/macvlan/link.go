package macvlan

import (
	"errors"
	"fmt"
	"net"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
)

// createMacvlan creates the macvlan on the master, in the container's
// namespace, and names it ifName there. It is created under a random name
// first, as the reference does: a kernel bug makes a creation that moves
// a link to another namespace fail when the name exists in the current
// one. On failure nothing is left behind.
func createMacvlan(conf *netConf, ifName string, netns ns.NetNS) (*current.Interface, error) {
	mode, err := modeFromString(conf.Mode)
	if err != nil {
		return nil, err
	}
	master, err := findMaster(conf.Master, netns.Path(), conf.LinkContNs)
	if err != nil {
		return nil, err
	}
	tmpName, err := ip.RandomVethName()
	if err != nil {
		return nil, err
	}
	attrs := netlink.NewLinkAttrs()
	attrs.MTU = conf.MTU
	attrs.Name = tmpName
	attrs.ParentIndex = master.Attrs().Index
	attrs.Namespace = netlink.NsFd(int(netns.Fd()))
	if conf.Mac != "" {
		if attrs.HardwareAddr, err = net.ParseMAC(conf.Mac); err != nil {
			return nil, fmt.Errorf("invalid MAC address %q: %w", conf.Mac, err)
		}
	}
	mv := &netlink.Macvlan{LinkAttrs: attrs, Mode: mode, BCQueueLen: conf.BcQueueLen}
	err = inNetns(netns.Path(), conf.LinkContNs, func() error { return netlink.LinkAdd(mv) })
	if err != nil {
		return nil, fmt.Errorf("creating macvlan on %s: %w", conf.Master, err)
	}
	iface := &current.Interface{Name: ifName, Sandbox: netns.Path()}
	err = netns.Do(func(ns.NetNS) error {
		if err := ip.RenameLink(tmpName, ifName); err != nil {
			err = fmt.Errorf("renaming macvlan %s to %q: %w", tmpName, ifName, err)
			if delErr := ip.DelLinkByName(tmpName); delErr != nil {
				err = errors.Join(err, fmt.Errorf("removing %s: %w", tmpName, delErr))
			}
			return err
		}
		link, err := netlinksafe.LinkByName(ifName)
		if err != nil {
			return fmt.Errorf("finding macvlan %q: %w", ifName, err)
		}
		iface.Mac = link.Attrs().HardwareAddr.String()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return iface, nil
}

// deleteMacvlan removes ifName from the current namespace if it is a
// macvlan; a missing link is not an error.
func deleteMacvlan(ifName string) error {
	link, err := netlinksafe.LinkByName(ifName)
	if err != nil {
		var notFound netlink.LinkNotFoundError
		if errors.As(err, &notFound) {
			return nil
		}
		return fmt.Errorf("finding %s: %w", ifName, err)
	}
	if _, ok := link.(*netlink.Macvlan); !ok {
		return nil
	}
	if err := netlink.LinkDel(link); err != nil {
		return fmt.Errorf("removing %s: %w", ifName, err)
	}
	return nil
}
