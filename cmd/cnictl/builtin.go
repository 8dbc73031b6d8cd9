package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
)

// The built-in network: what `cnictl add cnictl NETNS` attaches to when the
// configuration directory defines no network of that name.
const (
	builtinName   = "cnictl"
	builtinBridge = "cnictl0"
	// builtinSource stands in the place of a file name.
	builtinSource = "built-in"
)

// builtinCandidates are tried in order for the built-in network's subnet.
var builtinCandidates = []string{
	"10.89.0.0/16", "10.90.0.0/16", "10.91.0.0/16", "10.92.0.0/16", "10.93.0.0/16",
	"172.29.0.0/16", "172.30.0.0/16", "192.168.229.0/24",
}

// builtinNetwork returns the built-in network: a NATed bridge with
// published ports, a firewall that lets it work on hosts whose forwarding
// policy drops, tuning, rate limits on request, and the container's lo up. Its subnet is the one of an existing cnictl0
// bridge, else the first candidate that overlaps no host route and no
// configured network.
func builtinNetwork(cat *libcni.Catalog) (*libcni.NetworkConfigList, error) {
	subnet, err := builtinSubnet(cat)
	if err != nil {
		return nil, err
	}
	conf := map[string]any{
		"cniVersion": "1.1.0",
		"name":       builtinName,
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": builtinBridge, "isGateway": true, "ipMasq": true, "hairpinMode": true,
				"ipam": map[string]any{
					"type":   "host-local",
					"ranges": [][]map[string]string{{{"subnet": subnet.String()}}},
					"routes": []map[string]string{{"dst": "0.0.0.0/0"}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
			map[string]any{"type": "firewall"},
			map[string]any{"type": "tuning"},
			map[string]any{"type": "bandwidth", "capabilities": map[string]bool{"bandwidth": true}},
			// Last, so that it passes the bridge's result through and
			// brings the container's lo up.
			map[string]any{"type": "loopback"},
		},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return nil, err
	}
	list, err := libcni.ConfListFromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("built-in network: %w", err)
	}
	list.Source = builtinSource
	return list, nil
}

func builtinSubnet(cat *libcni.Catalog) (*net.IPNet, error) {
	// Once the bridge exists, its address is the network's: later ADDs
	// must not move to another subnet because of the bridge's own route.
	if l, err := netlinksafe.LinkByName(builtinBridge); err == nil {
		addrs, err := netlinksafe.AddrList(l, netlink.FAMILY_V4)
		if err == nil && len(addrs) > 0 {
			ip := addrs[0].IPNet
			return &net.IPNet{IP: ip.IP.Mask(ip.Mask), Mask: ip.Mask}, nil
		}
	}
	taken, err := takenSubnets(cat, builtinBridge)
	if err != nil {
		return nil, err
	}
	for _, c := range builtinCandidates {
		_, n, _ := net.ParseCIDR(c)
		if overlapping(n, taken) == nil {
			return n, nil
		}
	}
	return nil, errors.New("built-in network: every candidate subnet overlaps a host route or a configured network; create one with 'cnictl net create'")
}
