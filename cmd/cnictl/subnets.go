package main

import (
	"encoding/json"
	"fmt"
	"net"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
)

// takenSubnets are the IPv4 and IPv6 networks a new network must not
// overlap: the host's routes (but for the default routes and the routes of
// skipLink, a bridge the new network would own) and the subnets of the
// configured networks.
func takenSubnets(cat *libcni.Catalog, skipLink string) ([]*net.IPNet, error) {
	var taken []*net.IPNet
	routes, err := netlinksafe.RouteList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("listing the host's routes: %w", err)
	}
	skipIndex := -1
	if l, err := netlinksafe.LinkByName(skipLink); err == nil {
		skipIndex = l.Attrs().Index
	}
	for _, r := range routes {
		if r.Dst == nil || r.LinkIndex == skipIndex {
			continue
		}
		if ones, _ := r.Dst.Mask.Size(); ones == 0 {
			continue
		}
		taken = append(taken, r.Dst)
	}
	for _, n := range cat.Networks {
		taken = append(taken, networkSubnets(n)...)
	}
	return taken, nil
}

// networkSubnets reads the subnets a network's IPAM hands out addresses
// from: host-local's subnet and ranges, static's addresses.
func networkSubnets(list *libcni.NetworkConfigList) []*net.IPNet {
	var out []*net.IPNet
	add := func(cidr string) {
		if _, n, err := net.ParseCIDR(cidr); err == nil {
			out = append(out, n)
		}
	}
	for _, p := range list.Plugins {
		var conf struct {
			IPAM struct {
				Subnet string `json:"subnet"`
				Ranges [][]struct {
					Subnet string `json:"subnet"`
				} `json:"ranges"`
				Addresses []struct {
					Address string `json:"address"`
				} `json:"addresses"`
			} `json:"ipam"`
		}
		if json.Unmarshal(p.Bytes, &conf) != nil {
			continue
		}
		add(conf.IPAM.Subnet)
		for _, set := range conf.IPAM.Ranges {
			for _, r := range set {
				add(r.Subnet)
			}
		}
		for _, a := range conf.IPAM.Addresses {
			add(a.Address)
		}
	}
	return out
}

// overlapping returns the first of taken that shares addresses with n.
func overlapping(n *net.IPNet, taken []*net.IPNet) *net.IPNet {
	for _, t := range taken {
		if t.Contains(n.IP) || n.Contains(t.IP) {
			return t
		}
	}
	return nil
}
