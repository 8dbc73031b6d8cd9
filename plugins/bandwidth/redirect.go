package bandwidth

import (
	"errors"
	"fmt"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ingressHandle is the handle of the ingress qdisc (ffff:).
var ingressHandle = netlink.MakeHandle(0xffff, 0)

// addRedirect adds an ingress qdisc to host and a u32 filter on it that
// redirects every packet to ifb with a mirred action, as the reference
// plugin does.
func addRedirect(host, ifb netlink.Link) error {
	ingress := &netlink.Ingress{
		QdiscAttrs: netlink.QdiscAttrs{
			LinkIndex: host.Attrs().Index,
			Handle:    ingressHandle,
			Parent:    netlink.HANDLE_INGRESS,
		},
	}
	if err := netlink.QdiscAdd(ingress); err != nil {
		return fmt.Errorf("adding an ingress qdisc to %q: %w", host.Attrs().Name, err)
	}
	filter := &netlink.U32{
		FilterAttrs: netlink.FilterAttrs{
			LinkIndex: host.Attrs().Index,
			Parent:    ingressHandle,
			Priority:  1,
			Protocol:  unix.ETH_P_ALL,
		},
		ClassId:    netlink.MakeHandle(1, 1),
		RedirIndex: ifb.Attrs().Index,
		Actions: []netlink.Action{
			&netlink.MirredAction{
				MirredAction: netlink.TCA_EGRESS_REDIR,
				Ifindex:      ifb.Attrs().Index,
			},
		},
	}
	if err := netlink.FilterAdd(filter); err != nil {
		return fmt.Errorf("adding a filter redirecting %q to %q: %w", host.Attrs().Name, ifb.Attrs().Name, err)
	}
	return nil
}

// checkRedirect verifies that the ingress qdisc of host has a filter that
// redirects to ifb.
func checkRedirect(host, ifb netlink.Link) error {
	filters, err := netlinksafe.FilterList(host, ingressHandle)
	if err != nil {
		return fmt.Errorf("listing the ingress filters of %q: %w", host.Attrs().Name, err)
	}
	for _, f := range filters {
		u32, ok := f.(*netlink.U32)
		if !ok {
			continue
		}
		for _, a := range u32.Actions {
			if m, ok := a.(*netlink.MirredAction); ok && m.MirredAction == netlink.TCA_EGRESS_REDIR && m.Ifindex == ifb.Attrs().Index {
				return nil
			}
		}
	}
	return fmt.Errorf("no ingress filter of %q redirects to %q", host.Attrs().Name, ifb.Attrs().Name)
}

// delRedirect removes the ingress qdisc of host, and its filters with it.
func delRedirect(host netlink.Link) error {
	qdiscs, err := netlinksafe.QdiscList(host)
	if err != nil {
		return fmt.Errorf("listing the qdiscs of %q: %w", host.Attrs().Name, err)
	}
	for _, q := range qdiscs {
		if _, ok := q.(*netlink.Ingress); !ok {
			continue
		}
		if err := netlink.QdiscDel(q); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("removing the ingress qdisc of %q: %w", host.Attrs().Name, err)
		}
	}
	return nil
}
