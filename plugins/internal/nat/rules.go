package nat

import (
	"net"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// tableName is the name of cnictl's NAT table, in the inet family.
const tableName = "cnictl-nat"

// baseChainName is the chain hooked into postrouting.
const baseChainName = "postrouting"

// table is cnictl's NAT table.
var table = &nftables.Table{Family: nftables.TableFamilyINet, Name: tableName}

// family holds what differs between IPv4 and IPv6.
type family struct {
	proto   byte
	mapName string
	keyType nftables.SetDatatype
	// saddr and daddr are the offsets of the addresses in the network
	// header, addrLen their length.
	saddr, daddr, addrLen uint32
	// multicast are the destinations never masqueraded.
	multicast *net.IPNet
	// setID names the map within a batch that creates it.
	setID uint32
}

var (
	ipv4 = &family{
		proto: unix.NFPROTO_IPV4, mapName: "masq4", keyType: nftables.TypeIPAddr,
		saddr: 12, daddr: 16, addrLen: net.IPv4len,
		multicast: &net.IPNet{IP: net.IPv4(224, 0, 0, 0).To4(), Mask: net.CIDRMask(4, 32)},
		setID:     1,
	}
	ipv6 = &family{
		proto: unix.NFPROTO_IPV6, mapName: "masq6", keyType: nftables.TypeIP6Addr,
		saddr: 8, daddr: 24, addrLen: net.IPv6len,
		multicast: &net.IPNet{IP: net.ParseIP("ff00::"), Mask: net.CIDRMask(8, 128)},
		setID:     2,
	}
	families = []*family{ipv4, ipv6}
)

// familyOf returns the family of a 4- or 16-byte address.
func familyOf(addr net.IP) *family {
	if len(addr) == net.IPv4len {
		return ipv4
	}
	return ipv6
}

// set is the family's verdict map from container address to chain. A new
// value each time: nftables.Conn writes to the sets it is given.
func (f *family) set() *nftables.Set {
	return &nftables.Set{
		Table: table, ID: f.setID, Name: f.mapName,
		IsMap: true, KeyType: f.keyType, DataType: nftables.TypeVerdict,
	}
}

// matchDaddr matches packets of family f to destinations in subnet.
func (f *family) matchDaddr(subnet *net.IPNet) []expr.Any {
	exprs := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{f.proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: f.daddr, Len: f.addrLen},
	}
	if ones, bits := subnet.Mask.Size(); ones < bits {
		exprs = append(exprs, &expr.Bitwise{
			SourceRegister: 1, DestRegister: 1, Len: f.addrLen,
			Mask: []byte(subnet.Mask), Xor: make([]byte, f.addrLen),
		})
	}
	return append(exprs, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte(subnet.IP)})
}

// vmap sends packets of family f to the verdict its map holds for their
// source address.
func (f *family) vmap() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{f.proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: f.saddr, Len: f.addrLen},
		&expr.Lookup{SourceRegister: 1, IsDestRegSet: true, SetName: f.mapName, SetID: f.setID},
	}
}

// ret is the return verdict.
func ret() expr.Any { return &expr.Verdict{Kind: expr.VerdictReturn} }

// baseRules are the rules of the postrouting chain.
func baseRules() [][]expr.Any {
	return [][]expr.Any{
		append(ipv4.matchDaddr(ipv4.multicast), ret()),
		append(ipv6.matchDaddr(ipv6.multicast), ret()),
		ipv4.vmap(),
		ipv6.vmap(),
	}
}

// chainRules are the rules of an entry's chain: leave its own subnet
// alone, masquerade the rest.
func chainRules(e entry) [][]expr.Any {
	return [][]expr.Any{
		append(familyOf(e.addr).matchDaddr(e.subnet), ret()),
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
