// Package firewall is cnictl's firewall plugin, a drop-in replacement for
// the reference plugin of the same name (plugins/meta/firewall, iptables
// backend): chained after a plugin that gives the container addresses, it
// lets the container's traffic through a host that does not forward by
// default, and applies the network's ingressPolicy.
//
// It programs nftables over netlink (github.com/google/nftables), never by
// running nft or iptables.
//
// # Ruleset
//
// Containers are elements of sets, so adding the thousandth costs what
// adding the first did:
//
//	table inet cnictl-firewall {
//		set ips4 { type ipv4_addr; elements = { 10.66.0.2 comment "net1 c1 eth0" } }
//		set ips6 { type ipv6_addr }
//		set policy-bridges { type ifname; elements = { "cni-a", "cni-b" } }
//		set bridge-pairs { type ifname . ifname; elements = { "cni-a" . "cni-a", "cni-b" . "cni-b" } }
//		set isolated-pairs { type ifname . ifname; elements = { "cni-b" . "cni-b" } }
//		chain forward {
//			type filter hook forward priority filter - 1; policy accept;
//			iifname . oifname @isolated-pairs drop
//			iifname @policy-bridges oifname @policy-bridges iifname . oifname != @bridge-pairs drop
//			ip daddr @ips4 ct state established,related meta mark set meta mark | 0x1000
//			ip daddr @ips4 ct status dnat meta mark set meta mark | 0x1000
//			ip saddr @ips4 meta mark set meta mark | 0x1000
//			(and the same for ip6)
//		}
//	}
//
// The reference accepts, in its CNI-FORWARD chain, traffic from a
// container address and established or related traffic to it; this plugin
// marks the same packets, and also new connections to a container that
// were destination-NATed (published ports), which the reference leaves to
// the FORWARD policy, so that published ports answer other machines on a
// host whose forwarding policy drops. A packet survives the forward hook only if no
// base chain of any table drops it, so an accept in cnictl's own table
// could not override a drop elsewhere; the mark lets the owner of that
// drop accept the packets instead.
//
// # Hosts whose forwarding policy drops (Docker)
//
// Docker sets the policy of the iptables FORWARD chain to DROP. With
// iptables-nft that chain is the nftables chain FORWARD of table ip filter
// (and ip6 filter). When such a chain exists with policy drop, ADD inserts
// one rule at its top, in iptables-nft's own format so that iptables -S
// shows it as
//
//	-A FORWARD -m mark --mark 0x1000/0x1000 -m comment --comment "cnictl-firewall: ..." -j ACCEPT
//
// That rule is the only change cnictl makes to a table it does not own; it
// comes first, as the reference's jump to CNI-FORWARD does, is found by its
// comment, never duplicated, and deleted when the last attachment goes. An
// ADD after the policy turned to drop (Docker started later) inserts it;
// CHECK fails while it is missing. Packet mark bit 0x1000 is cnictl's: the
// table sets it at the forward hook, on the packets the reference would
// accept, and never clears it, so other software must not use it.
//
// iptables-legacy keeps its rules in the kernel's x_tables, which nftables
// cannot change, and this plugin never runs iptables. When the legacy
// FORWARD chain (IPv4 or IPv6) has policy DROP, which is read with a
// getsockopt, ADD fails and says so: the host must switch to iptables-nft,
// or accept the container subnets in iptables-legacy itself and drop with
// a final rule instead of the policy.
//
// # Ingress policies
//
// same-bridge and isolated follow the reference's CNI-ISOLATION-STAGE
// chains: traffic forwarded from the bridge of a network with such a policy
// to the bridge of another is dropped (prevResult's first interface names
// the bridge), and with isolated traffic between the ports of the bridge is
// dropped too. ADD and CHECK fail, naming the network, unless that first
// interface is a bridge of the host: only the bridge plugin puts one there. Other traffic into the bridge is left to the host's
// forwarding policy, as with the reference. Traffic between two ports of a
// bridge reaches the forward hook of the inet family only when
// br_netfilter is loaded, so isolated needs it, as the reference does (the
// bridge family could match it, with meta ibrname, but not every kernel
// has it). Unlike the reference, a bridge leaves the sets with the last
// attachment that put it there.
//
// # State
//
// Each ADD records its attachment, addresses, policy and bridge in
// $CNICTL_STATE_DIR/firewall (default /var/lib/cni/cnictl/firewall), so DEL
// and GC need neither the namespace nor prevResult. Addresses and bridges
// are held per attachment and leave the sets with their last holder; the
// table and the FORWARD rule go with the last attachment. See package
// nftutil for the layout and the locking.
//
// # Differences from the reference
//
//   - backend "firewalld" is an error that says why; an unset backend never
//     means firewalld, even when firewalld runs.
//   - iptablesAdminChainName is accepted and unused: there is no admin
//     chain. Any table can drop container traffic, and a drop anywhere
//     wins.
//   - ingressPolicy same-bridge or isolated after a plugin that is not a
//     bridge is an error. The reference takes prevResult's first interface
//     for the bridge whatever it is ("may not work as expected for
//     non-bridge networks"): after ptp that is each container's host veth,
//     every veth becomes a bridge of its own, and containers of the same
//     ptp network can no longer reach each other.
//   - GC and STATUS (unavailable while iptables-legacy drops forwarded
//     traffic) are implemented; DEL works from the plugin's own state.
package firewall

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the firewall plugin.
var Plugin = plugins.Plugin{
	Type: "firewall",
	Funcs: skel.CNIFuncs{
		Add:    cmdAdd,
		Check:  cmdCheck,
		Del:    records.CmdDel,
		GC:     cmdGC,
		Status: cmdStatus,
	},
	Versions: version.VersionsStartingFrom("0.4.0"),
	About:    "cnictl firewall plugin: lets container traffic through the host's forwarding policy with nftables",
}
