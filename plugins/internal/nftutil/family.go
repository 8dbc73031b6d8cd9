package nftutil

import (
	"fmt"
	"net"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
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

// Reg is the register that holds the bytes at offset of a concatenation
// (a set key or a map value): fields are padded to 4 bytes and follow each
// other in the 32-bit registers, the first of which is also register 1.
func Reg(offset uint32) uint32 {
	if offset == 0 {
		return 1
	}
	return unix.NFT_REG32_00 + offset/4
}

// Pad4 pads b with zeros to a multiple of 4 bytes, as a field of a
// concatenation.
func Pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// Port is a port number as a field of a concatenation.
func Port(p uint16) []byte { return Pad4(binaryutil.BigEndian.PutUint16(p)) }

// IfNameLen is the length of an interface name in sets and registers.
const IfNameLen = unix.IFNAMSIZ

// IfName is an interface name as nftables compares it: NUL-padded to
// IfNameLen bytes.
func IfName(name string) []byte {
	b := make([]byte, IfNameLen)
	copy(b, name)
	return b
}

// RuleComment is the user data that gives a rule a comment, in the format
// of nft and iptables-nft (iptables -S shows it as -m comment).
func RuleComment(text string) []byte {
	if len(text) > maxComment {
		text = text[:maxComment]
	}
	return append([]byte{0, byte(len(text) + 1)}, append([]byte(text), 0)...)
}

// ErrPluginNotAvailable is the CNI error code of a plugin that cannot
// serve ADD (SPEC.md, well-known error codes), for STATUS.
const ErrPluginNotAvailable uint = 50

// Probe checks that nftables can be programmed over netlink in the
// current network namespace: what both plugins' STATUS needs.
func Probe() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("connecting to nftables: %w", err)
	}
	if _, err := c.ListTablesOfFamily(nftables.TableFamilyINet); err != nil {
		return fmt.Errorf("listing nftables tables: %w", err)
	}
	return nil
}
