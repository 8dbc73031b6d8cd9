package nftutil

import (
	"github.com/google/nftables/binaryutil"
	"golang.org/x/sys/unix"
)

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
