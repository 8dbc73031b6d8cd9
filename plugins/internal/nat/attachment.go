package nat

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
)

// Attachment identifies one container interface.
type Attachment struct{ Network, ContainerID, IfName string }

// String names the attachment in messages.
func (a Attachment) String() string {
	return fmt.Sprintf("network %q, container %q, ifname %q", a.Network, a.ContainerID, a.IfName)
}

// maxComment bounds the comment of a map element (the kernel takes up to
// 256 bytes of user data, type and length included).
const maxComment = 200

// comment is the comment of the attachment's map elements, for people
// reading `nft list ruleset`.
func (a Attachment) comment() string {
	c := a.Network + " " + a.ContainerID + " " + a.IfName
	if len(c) > maxComment {
		c = c[:maxComment]
	}
	return c
}

// idPattern is what the CNI specification allows in network names and
// container IDs.
var idPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`)

// validateName checks a network name or a container ID against the CNI
// specification; what it lets through is safe as a file name.
func validateName(what, name string) error {
	if !idPattern.MatchString(name) {
		return fmt.Errorf("invalid %s %q: it must start with a letter or digit and hold only letters, digits, '_', '.' and '-'", what, name)
	}
	return nil
}

// validate checks the attachment's identifiers against the CNI
// specification, which keeps them safe in file and chain names.
func (a Attachment) validate() error {
	if err := validateName("network name", a.Network); err != nil {
		return err
	}
	if err := validateName("container ID", a.ContainerID); err != nil {
		return err
	}
	switch {
	case a.IfName == "", a.IfName == ".", a.IfName == "..", len(a.IfName) > 15,
		strings.ContainsAny(a.IfName, "/: \t\n\v\f\r\x00"):
		return fmt.Errorf("invalid ifname %q", a.IfName)
	}
	return nil
}

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
	if err := a.validate(); err != nil {
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
