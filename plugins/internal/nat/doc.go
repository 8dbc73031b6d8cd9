// Package nat masquerades the traffic that container addresses send out of
// their own subnet: the ipMasq option of the bridge and ptp plugins. It
// programs nftables over netlink (github.com/google/nftables), never by
// running nft or iptables, and touches no table but its own.
//
// # Ruleset
//
// One table holds every network's masquerading, and its rules do not grow
// with the number of containers: a container is one element of a verdict
// map, so adding the thousandth costs what adding the first did.
//
//	table inet cnictl-nat {
//		map masq4 {
//			type ipv4_addr : verdict
//			elements = { 10.66.0.2 comment "net1 c1 eth0" : jump masq-net1-10.66.0.0/24 }
//		}
//		map masq6 {
//			type ipv6_addr : verdict
//		}
//		chain postrouting {
//			type nat hook postrouting priority srcnat; policy accept;
//			ip daddr 224.0.0.0/4 return
//			ip6 daddr ff00::/8 return
//			ip saddr vmap @masq4
//			ip6 saddr vmap @masq6
//		}
//		chain masq-net1-10.66.0.0/24 {
//			ip daddr 10.66.0.0/24 return
//			masquerade
//		}
//	}
//
// There is one masq- chain per network and subnet (':' in IPv6 subnets
// becomes '_', which nft accepts in a chain name). It is created with the
// first element that jumps to it, and deleted in the same batch as the
// last one: the kernel counts the references to each chain, and this package
// reads that count before it deletes elements. When no
// masq- chain is left, the table goes too, so after the last Teardown there
// is no cnictl table at all. Multicast destinations are never masqueraded,
// as in the reference plugins.
//
// # State
//
// Teardown and GC need neither the container's namespace nor its previous
// result: each attachment is recorded in the state directory, which is
// $CNICTL_STATE_DIR/nat if CNICTL_STATE_DIR is set (tests set it) and
// /var/lib/cni/cnictl/nat otherwise:
//
//	attachments/<network>/<containerID>:<ifName>  the attachment and its addresses (JSON)
//	claims/<address>                              the attachment whose element the address's is (JSON)
//
// Claims settle who owns an address that two attachments recorded (a stale
// one and a fresh one): the last Setup wins, and Teardown of the other one
// leaves the element alone. Files are replaced by rename, so a reader never
// sees half of one. They are not synced: a crash of the machine loses the
// nftables ruleset anyway, and a record of an element that is gone only
// makes Teardown delete nothing.
//
// # Concurrency
//
// Plugin processes run concurrently. Every operation holds an exclusive
// flock on the state directory from its first read to its last write, so
// reading state, creating chains and changing the maps never interleave; the
// nftables batches themselves are atomic.
package nat
