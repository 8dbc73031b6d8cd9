package firewall

import (
	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// tableName is the name of cnictl's firewall table, in the inet family.
const tableName = "cnictl-firewall"

// inetTable is cnictl's firewall table.
var inetTable = &nftables.Table{Family: nftables.TableFamilyINet, Name: tableName}

// forwardChain is the name of the table's base chain.
const forwardChain = "forward"

// forwardMark is the packet mark bit set on the packets the reference
// would accept, for the FORWARD rule of iptables-nft to accept them.
const forwardMark = 0x1000

// Names of the sets.
const (
	setPolicyBridges = "policy-bridges"
	setBridgePairs   = "bridge-pairs"
	setIsolatedPairs = "isolated-pairs"
)

// Set IDs, for rules created in the same batch as their sets.
const (
	idIPs4 = iota + 1
	idIPs6
	idPolicyBridges
	idBridgePairs
	idIsolatedPairs
)

// ipSet is the set of container addresses of family f. A new value each
// time: nftables.Conn writes to the sets it is given.
func ipSet(f *nftutil.Family) *nftables.Set {
	id := uint32(idIPs4)
	if f == nftutil.IPv6 {
		id = idIPs6
	}
	return &nftables.Set{Table: inetTable, Name: "ips" + f.Suffix, ID: id, KeyType: f.AddrType}
}

// ifNameSet is a set of interface names of the inet table.
func ifNameSet(name string, id uint32) *nftables.Set {
	// Host byte order, as nft creates such sets, or it lists no names.
	return &nftables.Set{Table: inetTable, Name: name, ID: id, KeyType: nftables.TypeIFName, KeyByteOrder: binaryutil.NativeEndian}
}

// pairSet is a set of pairs of interface names (in . out) of the inet
// table.
func pairSet(name string, id uint32) *nftables.Set {
	return &nftables.Set{
		Table: inetTable, Name: name, ID: id, Concatenation: true,
		KeyType: nftables.MustConcatSetType(nftables.TypeIFName, nftables.TypeIFName),
	}
}

// inetSets are the sets of the inet table.
func inetSets() []*nftables.Set {
	return []*nftables.Set{
		ipSet(nftutil.IPv4), ipSet(nftutil.IPv6),
		ifNameSet(setPolicyBridges, idPolicyBridges),
		pairSet(setBridgePairs, idBridgePairs),
		pairSet(setIsolatedPairs, idIsolatedPairs),
	}
}

// lookup matches when the key in register 1 is in set (is not, with
// invert).
func lookup(s *nftables.Set, invert bool) *expr.Lookup {
	return &expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID, Invert: invert}
}

// loadPair loads the input and output interface names as a pair key.
func loadPair() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: nftutil.Reg(nftutil.IfNameLen)},
	}
}

// drop is the drop verdict.
func drop() expr.Any { return &expr.Verdict{Kind: expr.VerdictDrop} }

// setMark sets forwardMark on the packet, keeping the other bits.
func setMark() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyMARK, Register: 1},
		&expr.Bitwise{
			SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(^uint32(forwardMark)),
			Xor:  binaryutil.NativeEndian.PutUint32(forwardMark),
		},
		&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1},
	}
}

// inetRules are the rules of the inet table's forward chain.
func inetRules() [][]expr.Any {
	isolated := append(loadPair(), lookup(pairSet(setIsolatedPairs, idIsolatedPairs), false), drop())
	policy := ifNameSet(setPolicyBridges, idPolicyBridges)
	crossBridge := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		lookup(policy, false),
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		lookup(policy, false),
	}
	crossBridge = append(append(crossBridge, loadPair()...), lookup(pairSet(setBridgePairs, idBridgePairs), true), drop())
	rules := [][]expr.Any{isolated, crossBridge}
	for _, f := range nftutil.Families {
		established := append(f.Match(), f.LoadDaddr(1), lookup(ipSet(f), false),
			&expr.Ct{Key: expr.CtKeySTATE, Register: 1},
			&expr.Bitwise{
				SourceRegister: 1, DestRegister: 1, Len: 4,
				Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED),
				Xor:  make([]byte, 4),
			},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
		)
		// New connections to a published port (DNATed by portmap or any
		// other DNAT) too: the reference leaves them to the FORWARD
		// policy, so a host that drops forwarding cannot publish ports
		// to other machines (containernetworking/plugins#467).
		published := append(append(f.Match(), f.LoadDaddr(1), lookup(ipSet(f), false)), nftutil.MatchDNAT()...)
		from := append(f.Match(), f.LoadSaddr(1), lookup(ipSet(f), false))
		rules = append(rules, append(established, setMark()...), append(published, setMark()...), append(from, setMark()...))
	}
	return rules
}

// inetChain is the inet table's base chain: it runs just before
// iptables' filter chains (priority 0), so that they see the mark.
func inetChain() *nftables.Chain {
	accept := nftables.ChainPolicyAccept
	return &nftables.Chain{
		Table: inetTable, Name: forwardChain, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityRef(*nftables.ChainPriorityFilter - 1),
		Policy: &accept,
	}
}

// pair is the key of a pair set for traffic within one bridge.
func pair(bridge string) []byte {
	return append(nftutil.IfName(bridge), nftutil.IfName(bridge)...)
}
