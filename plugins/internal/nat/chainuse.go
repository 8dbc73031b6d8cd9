package nat

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// chainUse returns the kernel's use count of a chain of the table: its
// rules plus the rules and map elements that jump to it. It is false if
// the chain does not exist. github.com/google/nftables does not decode this
// count, so the request is made here.
//
// Asking is the cheap way to tell whether a chain is still jumped to: a
// batch that tries to delete it and fails costs the kernel an abort of
// about 10 ms, every Teardown but a network's last would pay it.
func chainUse(chain string) (uint32, bool, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, nil)
	if err != nil {
		return 0, false, fmt.Errorf("connecting to nftables: %w", err)
	}
	defer c.Close()
	attrs, err := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.NFTA_CHAIN_TABLE, Data: []byte(tableName + "\x00")},
		{Type: unix.NFTA_CHAIN_NAME, Data: []byte(chain + "\x00")},
	})
	if err != nil {
		return 0, false, err
	}
	// nfgenmsg: family, version, resource id.
	hdr := []byte{byte(table.Family), unix.NFNETLINK_V0, 0, 0}
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETCHAIN),
			Flags: netlink.Request,
		},
		Data: append(hdr, attrs...),
	})
	if errors.Is(err, unix.ENOENT) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("getting chain %s: %w", chain, err)
	}
	for _, m := range msgs {
		if len(m.Data) < len(hdr) {
			continue
		}
		ad, err := netlink.NewAttributeDecoder(m.Data[len(hdr):])
		if err != nil {
			return 0, false, fmt.Errorf("decoding chain %s: %w", chain, err)
		}
		ad.ByteOrder = binary.BigEndian
		for ad.Next() {
			if ad.Type() == unix.NFTA_CHAIN_USE {
				return ad.Uint32(), true, nil
			}
		}
		if err := ad.Err(); err != nil {
			return 0, false, fmt.Errorf("decoding chain %s: %w", chain, err)
		}
	}
	return 0, false, fmt.Errorf("chain %s: the kernel reported no use count", chain)
}
