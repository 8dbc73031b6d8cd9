package nftutil

import (
	"net"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Family is an IP family as the rules of an inet table see it.
type Family struct {
	// Suffix ends the names of the family's sets and maps: "4" or "6".
	Suffix string
	// Proto is the family's NFPROTO_ value.
	Proto byte
	// AddrType is the type of the family's addresses in sets.
	AddrType nftables.SetDatatype
	// AddrLen is the length of an address in bytes.
	AddrLen uint32
	// saddr and daddr are the offsets of the addresses in the network
	// header.
	saddr, daddr uint32
}

// The two IP families.
var (
	IPv4 = &Family{Suffix: "4", Proto: unix.NFPROTO_IPV4, AddrType: nftables.TypeIPAddr, AddrLen: net.IPv4len, saddr: 12, daddr: 16}
	IPv6 = &Family{Suffix: "6", Proto: unix.NFPROTO_IPV6, AddrType: nftables.TypeIP6Addr, AddrLen: net.IPv6len, saddr: 8, daddr: 24}
	// Families are both, IPv4 first.
	Families = []*Family{IPv4, IPv6}
)

// FamilyOf returns the family of ip.
func FamilyOf(ip net.IP) *Family {
	if ip.To4() != nil {
		return IPv4
	}
	return IPv6
}

// Addr returns ip in the family's length: 4 or 16 bytes.
func (f *Family) Addr(ip net.IP) net.IP {
	if f == IPv4 {
		return ip.To4()
	}
	return ip.To16()
}

// Match matches packets of the family.
func (f *Family) Match() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{f.Proto}},
	}
}

// LoadSaddr loads the source address into reg.
func (f *Family) LoadSaddr(reg uint32) expr.Any {
	return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseNetworkHeader, Offset: f.saddr, Len: f.AddrLen}
}

// LoadDaddr loads the destination address into reg.
func (f *Family) LoadDaddr(reg uint32) expr.Any {
	return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseNetworkHeader, Offset: f.daddr, Len: f.AddrLen}
}

// ComparePrefix compares the address of the family in register 1 with
// prefix, an address or a subnet in the family's length: with op
// CmpOpEq it matches the addresses in prefix, with CmpOpNeq the others.
func (f *Family) ComparePrefix(prefix *net.IPNet, op expr.CmpOp) []expr.Any {
	var exprs []expr.Any
	if ones, bits := prefix.Mask.Size(); ones < bits {
		exprs = append(exprs, &expr.Bitwise{
			SourceRegister: 1, DestRegister: 1, Len: f.AddrLen,
			Mask: []byte(prefix.Mask), Xor: make([]byte, f.AddrLen),
		})
	}
	return append(exprs, &expr.Cmp{Op: op, Register: 1, Data: []byte(prefix.IP)})
}
