package nftutil

import (
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
)

// ctStatusDNAT is the conntrack status bit of a destination-NATed
// connection (IPS_DST_NAT in linux/netfilter/nf_conntrack_common.h).
const ctStatusDNAT = 1 << 5

// MatchDNAT matches packets of connections whose destination was
// translated (ct status dnat), by portmap or any other DNAT. It uses
// register 1.
func MatchDNAT() []expr.Any {
	return []expr.Any{
		&expr.Ct{Key: expr.CtKeySTATUS, Register: 1},
		&expr.Bitwise{
			SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(ctStatusDNAT), Xor: make([]byte, 4),
		},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
	}
}
