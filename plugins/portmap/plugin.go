// Package portmap is cnictl's portmap plugin, a drop-in replacement for the
// reference plugin of the same name (plugins/meta/portmap): chained after a
// plugin that gives the container addresses, it forwards ports of the host
// to ports of the container, as runtimeConfig.portMappings (capability
// portMappings) asks, for IPv4 and IPv6.
//
// It programs nftables over netlink (github.com/google/nftables), never by
// running nft or iptables, and touches no table but its own.
//
// # Ruleset
//
// One table holds every mapping of every network, and no rule is added per
// container: a mapping is one element of a map, so adding the thousandth
// costs what adding the first did.
//
//	table inet cnictl-portmap {
//		map dnat4 {
//			type inet_proto . inet_service : ipv4_addr . inet_service
//			elements = { tcp . 8080 comment "net1 c1 eth0" : 10.66.0.2 . 80 }
//		}
//		map hostip-dnat4 {
//			type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service
//		}
//		map dnat6 { ... }  map hostip-dnat6 { ... }
//		set masq4 {
//			type ipv4_addr . ipv4_addr; flags interval
//			elements = { 10.66.0.0/24 . 10.66.0.0/24, 10.66.0.0/24 . 127.0.0.0/8 }
//		}
//		set masq6 { ... }
//		chain prerouting { type nat hook prerouting priority dstnat; fib daddr type local jump hostports }
//		chain output { type nat hook output priority dstnat; fib daddr type local jump hostports }
//		chain hostports {
//			jump hostports-1a2b3c4d
//			meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport map @hostip-dnat4
//			meta nfproto ipv4 dnat ip to meta l4proto . th dport map @dnat4
//			(and the same for ipv6)
//		}
//		chain postrouting {
//			type nat hook postrouting priority srcnat
//			ct status dnat meta nfproto ipv4 ip daddr . ip saddr @masq4 masquerade
//			ct status dnat meta nfproto ipv6 ip6 daddr . ip6 saddr @masq6 masquerade
//		}
//	}
//
// Mappings with a hostIP go to the hostip- maps, the others to the maps
// keyed by protocol and port alone; both only see packets to a local
// address (127.0.0.1 included), as in the reference.
//
// Networks whose configuration has conditionsV4 or conditionsV6 get a
// group of their own per distinct set of conditions: a chain
// hostports-<id> that returns unless the conditions hold and then looks up
// its own four maps (dnat4-<id>, ...), jumped to from hostports before the
// unconditioned maps. Groups go with their last mapping.
//
// Masquerading (snat, the default) is keyed by subnet, not by container:
// a DNATed connection whose destination is in a container subnet S is
// masqueraded when its source is in S too (hairpin: a container reaching
// its own or a neighbour's published port through a host address) or in
// 127.0.0.0/8 (localhost; route_localnet is set on the interface that
// routes to the container, as the reference does). With masqAll the
// element is S . 0.0.0.0/0 (::/0): every DNATed connection into S is
// masqueraded. IPv6 connections from ::1 cannot leave the loopback
// interface, as with the reference.
//
// When the last mapping goes, the table goes.
//
// # State
//
// Each ADD records its attachment, addresses and mappings in
// $CNICTL_STATE_DIR/portmap (default /var/lib/cni/cnictl/portmap), so DEL
// and GC need neither the namespace nor the previous result nor the
// replayed mappings. Map keys are claimed per attachment: a host port
// mapped twice goes to the first ADD, and when that one is deleted to the
// next, as the order of the reference's rules has it. Masquerading elements are shared by the attachments of a
// subnet and removed with the last. See package nftutil for the layout and
// the locking.
//
// # Differences from the reference
//
//   - markMasqBit is validated and ignored: masquerading is decided by the
//     connection's DNAT status and the masq sets, not by a packet mark.
//     externalSetMarkChain is rejected, since no iptables chain can be
//     jumped to from nftables.
//   - conditionsV4/V6 take a subset of iptables syntax (-s, -d, -i and
//     their long forms, each optionally negated with "!") or of nft syntax
//     (ip saddr, ip daddr, ip6 saddr, ip6 daddr, iifname, with != to
//     negate); anything else is an error naming the condition.
//   - backend "iptables" and "nftables" are both accepted and mean the
//     same.
//   - GC and STATUS are implemented.
//   - UDP conntrack entries of the mapped host ports are deleted on DEL as
//     well as on ADD.
package portmap

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the portmap plugin.
var Plugin = plugins.Plugin{
	Type: "portmap",
	Funcs: skel.CNIFuncs{
		Add:    cmdAdd,
		Check:  cmdCheck,
		Del:    records.CmdDel,
		GC:     cmdGC,
		Status: cmdStatus,
	},
	Versions: version.All,
	About:    "cnictl portmap plugin: forwards host ports to container ports with nftables",
}
