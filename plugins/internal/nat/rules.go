package nat

import (
	"net"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// tableName is the name of cnictl's NAT table, in the inet family.
const tableName = "cnictl-nat"

// baseChainName is the chain hooked into postrouting.
const baseChainName = "postrouting"

// table is cnictl's NAT table.
var table = &nftables.Table{Family: nftables.TableFamilyINet, Name: tableName}

// multicast are the destinations never masqueraded, by family.
var multicast = map[*nftutil.Family]*net.IPNet{
	nftutil.IPv4: {IP: net.IPv4(224, 0, 0, 0).To4(), Mask: net.CIDRMask(4, 32)},
	nftutil.IPv6: {IP: net.ParseIP("ff00::"), Mask: net.CIDRMask(8, 128)},
}

// masqMap is the verdict map of family f from container address to chain.
// A new value each time: nftables.Conn writes to the sets it is given.
func masqMap(f *nftutil.Family) *nftables.Set {
	// The ID names the map within the batch that creates it.
	id := uint32(1)
	if f == nftutil.IPv6 {
		id = 2
	}
	return &nftables.Set{
		Table: table, ID: id, Name: "masq" + f.Suffix,
		IsMap: true, KeyType: f.AddrType, DataType: nftables.TypeVerdict,
	}
}

// matchDaddr matches packets of family f to destinations in subnet.
func matchDaddr(f *nftutil.Family, subnet *net.IPNet) []expr.Any {
	exprs := append(f.Match(), f.LoadDaddr(1))
	return append(exprs, f.ComparePrefix(subnet, expr.CmpOpEq)...)
}

// vmap sends packets of family f to the verdict its map holds for their
// source address.
func vmap(f *nftutil.Family) []expr.Any {
	m := masqMap(f)
	return append(f.Match(), f.LoadSaddr(1),
		&expr.Lookup{SourceRegister: 1, IsDestRegSet: true, SetName: m.Name, SetID: m.ID})
}

// ret is the return verdict.
func ret() expr.Any { return &expr.Verdict{Kind: expr.VerdictReturn} }

// baseRules are the rules of the postrouting chain.
func baseRules() [][]expr.Any {
	var rules [][]expr.Any
	for _, f := range nftutil.Families {
		rules = append(rules, append(matchDaddr(f, multicast[f]), ret()))
	}
	for _, f := range nftutil.Families {
		rules = append(rules, vmap(f))
	}
	return rules
}

// chainRules are the rules of an entry's chain: leave its own subnet
// alone, masquerade the rest.
func chainRules(e entry) [][]expr.Any {
	return [][]expr.Any{
		append(matchDaddr(nftutil.FamilyOf(e.addr), e.subnet), ret()),
		{&expr.Masq{}},
	}
}

// element is the map element of e.
func element(e entry, comment string) nftables.SetElement {
	return nftables.SetElement{
		Key:         e.addr,
		VerdictData: &expr.Verdict{Kind: expr.VerdictJump, Chain: e.chain},
		Comment:     comment,
	}
}

// addOp adds the map element of e.
func addOp(e entry, comment string) nftutil.ElemOp {
	return nftutil.ElemOp{Set: masqMap(nftutil.FamilyOf(e.addr)), Elem: element(e, comment), What: "address " + e.addr.String()}
}

// delOps delete the map elements of entries.
func delOps(entries []entry) []nftutil.ElemOp {
	ops := make([]nftutil.ElemOp, len(entries))
	for i, e := range entries {
		ops[i] = nftutil.ElemOp{Del: true, Set: masqMap(nftutil.FamilyOf(e.addr)), Elem: nftables.SetElement{Key: e.addr}, What: "address " + e.addr.String()}
	}
	return ops
}
