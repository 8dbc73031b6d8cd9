package portmap

import (
	"fmt"
	"net"

	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// record is the state file of one attachment: what its ADD installed.
type record struct {
	nftutil.Attachment
	// Group is the id of the group of the network's conditions.
	Group   string `json:"group,omitempty"`
	SNAT    bool   `json:"snat"`
	MasqAll bool   `json:"masqAll,omitempty"`
	// Addresses are the container's addresses with their prefix
	// lengths: 10.66.0.2/24.
	Addresses []string  `json:"addresses"`
	Mappings  []mapping `json:"mappings"`
}

// Claim and hold kinds in the state directory: DNAT keys are claimed,
// masquerading elements and groups held.
const (
	kindDNAT  = "dnat"
	kindMasq  = "masq"
	kindGroup = "group"
)

// dnatEntry is one element of a DNAT map: a host port of one family,
// maybe on one host address, and where it goes.
type dnatEntry struct {
	group string
	fam   *nftutil.Family
	// hostIP is nil for any local address.
	hostIP   net.IP
	proto    string
	hostPort uint16
	target   net.IP
	port     uint16
}

// claimKey names the map key in the state directory.
func (e dnatEntry) claimKey() string {
	host := "*"
	if e.hostIP != nil {
		host = e.hostIP.String()
	}
	key := fmt.Sprintf("v%s,%s,%s,%d", e.fam.Suffix, host, e.proto, e.hostPort)
	if e.group != "" {
		key = e.group + "," + key
	}
	return key
}

// hostKey describes the entry's host port in messages: tcp/8080, or
// tcp/192.0.2.1:8080 with a host address.
func (e dnatEntry) hostKey() string {
	if e.hostIP != nil {
		return fmt.Sprintf("%s/%s", e.proto, net.JoinHostPort(e.hostIP.String(), fmt.Sprint(e.hostPort)))
	}
	return fmt.Sprintf("%s/%d", e.proto, e.hostPort)
}

// String describes the entry in messages: tcp/8080->10.66.0.2:80.
func (e dnatEntry) String() string {
	return e.hostKey() + "->" + net.JoinHostPort(e.target.String(), fmt.Sprint(e.port))
}

// set is the map the entry belongs to.
func (e dnatEntry) set() *nftables.Set { return dnatMap(e.group, e.fam, e.hostIP != nil) }

// key is the entry's map key: [host address .] protocol . port.
func (e dnatEntry) key() []byte {
	var k []byte
	if e.hostIP != nil {
		k = append(k, e.fam.Addr(e.hostIP)...)
	}
	k = append(k, nftutil.Pad4([]byte{protocols[e.proto]})...)
	return append(k, nftutil.Port(e.hostPort)...)
}

// element is the entry's map element.
func (e dnatEntry) element(comment string) nftables.SetElement {
	val := append(append([]byte{}, e.fam.Addr(e.target)...), nftutil.Port(e.port)...)
	return nftables.SetElement{Key: e.key(), Val: val, Comment: comment}
}

// masqEntry is one element of a masq set: DNATed connections to dst from
// src are masqueraded.
type masqEntry struct {
	fam      *nftutil.Family
	dst, src *net.IPNet
}

// holdKey names the element in the state directory.
func (e masqEntry) holdKey() string { return e.dst.String() + "," + e.src.String() }

// element is the entry's set element, an interval of both addresses.
func (e masqEntry) element() nftables.SetElement {
	first := func(n *net.IPNet) []byte { return e.fam.Addr(n.IP.Mask(n.Mask)) }
	last := func(n *net.IPNet) []byte {
		b := first(n)
		for i := range b {
			b[i] |= ^n.Mask[i]
		}
		return b
	}
	return nftables.SetElement{
		Key:    append(first(e.dst), first(e.src)...),
		KeyEnd: append(last(e.dst), last(e.src)...),
	}
}

// localhost4 is where IPv4 connections from the host itself come from.
var localhost4 = &net.IPNet{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)}

// everywhere is the whole address space of a family.
func everywhere(f *nftutil.Family) *net.IPNet {
	bits := 8 * int(f.AddrLen)
	return &net.IPNet{IP: make(net.IP, f.AddrLen), Mask: net.CIDRMask(0, bits)}
}

// parseAddress parses a container address with its prefix length, and
// returns the address and its subnet in the family's length.
func parseAddress(s string) (net.IP, *net.IPNet, *nftutil.Family, error) {
	ip, subnet, err := net.ParseCIDR(s)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("invalid address %q: %w", s, err)
	}
	f := nftutil.FamilyOf(ip)
	ones, _ := subnet.Mask.Size()
	bits := 8 * int(f.AddrLen)
	mask := net.CIDRMask(ones, bits)
	return f.Addr(ip), &net.IPNet{IP: f.Addr(ip).Mask(mask), Mask: mask}, f, nil
}

// entries lists what the record installs: its DNAT map elements, each key
// once, and its masquerading elements.
func (r *record) entries() ([]dnatEntry, []masqEntry, error) {
	var dnat []dnatEntry
	var masq []masqEntry
	seen := map[string]dnatEntry{}
	for _, s := range r.Addresses {
		ip, subnet, f, err := parseAddress(s)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range r.Mappings {
			e := dnatEntry{group: r.Group, fam: f, proto: m.Protocol, hostPort: m.HostPort, target: ip, port: m.ContainerPort}
			if m.HostIP != "" {
				hostIP := net.ParseIP(m.HostIP)
				if hostIP == nil {
					return nil, nil, fmt.Errorf("invalid host address %q", m.HostIP)
				}
				if nftutil.FamilyOf(hostIP) != f {
					continue
				}
				if !hostIP.IsUnspecified() {
					e.hostIP = f.Addr(hostIP)
				}
			}
			if other, ok := seen[e.claimKey()]; ok {
				if other.port != e.port {
					return nil, nil, fmt.Errorf("host port %s is mapped twice, to container ports %d and %d", e.hostKey(), other.port, e.port)
				}
				continue
			}
			seen[e.claimKey()] = e
			dnat = append(dnat, e)
		}
		if !r.SNAT || len(r.Mappings) == 0 {
			continue
		}
		switch {
		case r.MasqAll:
			masq = append(masq, masqEntry{fam: f, dst: subnet, src: everywhere(f)})
		case f == nftutil.IPv4:
			masq = append(masq, masqEntry{fam: f, dst: subnet, src: subnet}, masqEntry{fam: f, dst: subnet, src: localhost4})
		default:
			masq = append(masq, masqEntry{fam: f, dst: subnet, src: subnet})
		}
	}
	return dnat, masq, nil
}
