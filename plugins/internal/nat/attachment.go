package nat

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// Attachment identifies one container interface, as it does for the
// nftables plugins: this package keeps its state as package nftutil lays
// it out.
type Attachment = nftutil.Attachment

// entry is one masqueraded address: the map element that sends the
// address's packets to the chain of its network and subnet.
type entry struct {
	// addr is 4 bytes long for IPv4 and 16 for IPv6.
	addr   net.IP
	subnet *net.IPNet
	chain  string
}

// sameAddr reports whether e and o masquerade the same address.
func (e entry) sameAddr(o entry) bool { return e.addr.Equal(o.addr) }

// sameChain reports whether e and o jump to the same chain.
func (e entry) sameChain(o entry) bool { return e.chain == o.chain }

// cidr is the address with its prefix length, as in results: 10.66.0.2/24.
func (e entry) cidr() string {
	ones, _ := e.subnet.Mask.Size()
	return fmt.Sprintf("%s/%d", e.addr, ones)
}

// maxChainName is the longest chain name the kernel takes
// (NFT_CHAIN_MAXNAMELEN, the terminating NUL included).
const maxChainName = 255

// newEntry makes the entry of one container address of network.
func newEntry(network string, ipn *net.IPNet) (entry, error) {
	if ipn == nil {
		return entry{}, errors.New("nil address")
	}
	addr := ipn.IP.To4()
	if addr == nil {
		addr = ipn.IP.To16()
	}
	if addr == nil {
		return entry{}, fmt.Errorf("invalid address %v", ipn.IP)
	}
	ones, bits := ipn.Mask.Size()
	if bits != 8*len(addr) {
		return entry{}, fmt.Errorf("address %s: invalid mask %v", addr, ipn.Mask)
	}
	mask := net.CIDRMask(ones, bits)
	subnet := &net.IPNet{IP: addr.Mask(mask), Mask: mask}
	chain := "masq-" + network + "-" + strings.ReplaceAll(subnet.String(), ":", "_")
	if len(chain) > maxChainName {
		return entry{}, fmt.Errorf("network name too long for an nftables chain name (%d bytes)", len(network))
	}
	return entry{addr: addr, subnet: subnet, chain: chain}, nil
}

// newEntries validates a and its addresses, and makes their entries,
// sorted by address.
func newEntries(a Attachment, ips []*net.IPNet) ([]entry, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, errors.New("no addresses to masquerade")
	}
	entries := make([]entry, 0, len(ips))
	for _, ipn := range ips {
		e, err := newEntry(a.Network, ipn)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(entries, e.sameAddr) {
			return nil, fmt.Errorf("address %s given twice", e.addr)
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(x, y entry) int { return strings.Compare(x.addr.String(), y.addr.String()) })
	return entries, nil
}

// addresses lists the entries' addresses with their prefix lengths.
func addresses(entries []entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.cidr()
	}
	return out
}
