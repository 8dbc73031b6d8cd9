package nftutil

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Chain is what the kernel says about one chain.
type Chain struct {
	// Hook is the chain's hook; nil for a regular chain.
	Hook *nftables.ChainHook
	// Policy is a base chain's policy.
	Policy nftables.ChainPolicy
	// Use is the kernel's use count of the chain: its rules plus the
	// rules and map elements that jump to it.
	Use uint32
}

// GetChain asks the kernel about one chain of a table; false if the table
// or the chain does not exist. Unlike listing the chains of a family, it
// costs the same however many chains other software has (kube-proxy's
// iptables mode makes thousands), and unlike nftables.Conn.ListChain it
// tells a missing chain from a failure. github.com/google/nftables does not
// decode a chain's use count either.
func GetChain(family nftables.TableFamily, table, chain string) (Chain, bool, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, nil)
	if err != nil {
		return Chain{}, false, fmt.Errorf("connecting to nftables: %w", err)
	}
	defer c.Close()
	attrs, err := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.NFTA_CHAIN_TABLE, Data: []byte(table + "\x00")},
		{Type: unix.NFTA_CHAIN_NAME, Data: []byte(chain + "\x00")},
	})
	if err != nil {
		return Chain{}, false, err
	}
	// nfgenmsg: family, version, resource id.
	hdr := []byte{byte(family), unix.NFNETLINK_V0, 0, 0}
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETCHAIN),
			Flags: netlink.Request,
		},
		Data: append(hdr, attrs...),
	})
	if errors.Is(err, unix.ENOENT) {
		return Chain{}, false, nil
	}
	if err != nil {
		return Chain{}, false, fmt.Errorf("getting chain %s of table %s: %w", chain, table, err)
	}
	if len(msgs) != 1 || len(msgs[0].Data) < len(hdr) {
		return Chain{}, false, fmt.Errorf("getting chain %s of table %s: unexpected answer", chain, table)
	}
	return decodeChain(msgs[0].Data[len(hdr):])
}

// decodeChain decodes the attributes of a chain.
func decodeChain(b []byte) (Chain, bool, error) {
	var ch Chain
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return Chain{}, false, err
	}
	ad.ByteOrder = binary.BigEndian
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_CHAIN_POLICY:
			ch.Policy = nftables.ChainPolicy(ad.Uint32())
		case unix.NFTA_CHAIN_USE:
			ch.Use = ad.Uint32()
		case unix.NFTA_CHAIN_HOOK:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					if nad.Type() == unix.NFTA_HOOK_HOOKNUM {
						ch.Hook = nftables.ChainHookRef(nftables.ChainHook(nad.Uint32()))
					}
				}
				return nad.Err()
			})
		}
	}
	if err := ad.Err(); err != nil {
		return Chain{}, false, fmt.Errorf("decoding chain: %w", err)
	}
	return ch, true, nil
}
