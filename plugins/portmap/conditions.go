package portmap

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"strings"

	"github.com/google/nftables/expr"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// group is the set of conditions under which the mappings of a network
// apply: conditionsV4 for IPv4 packets, conditionsV6 for IPv6 ones.
// Networks with the same conditions share a group.
type group struct {
	// id names the group's chain and maps; empty without conditions.
	id     string
	v4, v6 []condition
}

// condition is one parsed condition.
type condition struct {
	// field is "saddr", "daddr" or "iifname".
	field  string
	negate bool
	// prefix is the address or subnet of saddr and daddr.
	prefix *net.IPNet
	// ifName is the interface of iifname; a trailing '+' matches any
	// name that starts with the rest.
	ifName string
}

// String writes the condition in iptables syntax.
func (c condition) String() string {
	neg := ""
	if c.negate {
		neg = "! "
	}
	switch c.field {
	case "saddr":
		return neg + "-s " + c.prefix.String()
	case "daddr":
		return neg + "-d " + c.prefix.String()
	}
	return neg + "-i " + c.ifName
}

// newGroup parses the conditions of a network configuration.
func newGroup(v4, v6 *[]string) (group, error) {
	var g group
	var err error
	if g.v4, err = parseConditions("conditionsV4", v4, nftutil.IPv4); err != nil {
		return group{}, err
	}
	if g.v6, err = parseConditions("conditionsV6", v6, nftutil.IPv6); err != nil {
		return group{}, err
	}
	if len(g.v4)+len(g.v6) == 0 {
		return g, nil
	}
	var canon strings.Builder
	for _, c := range g.v4 {
		fmt.Fprintf(&canon, "4 %s\n", c)
	}
	for _, c := range g.v6 {
		fmt.Fprintf(&canon, "6 %s\n", c)
	}
	sum := sha256.Sum256([]byte(canon.String()))
	g.id = hex.EncodeToString(sum[:4])
	return g, nil
}

// parseConditions parses one list of conditions, in iptables syntax if it
// starts with '-' or '!' (as the reference tells them apart), in nft
// syntax otherwise. Elements may hold one word or several.
func parseConditions(name string, raw *[]string, f *nftutil.Family) ([]condition, error) {
	if raw == nil || len(*raw) == 0 || (*raw)[0] == "" {
		return nil, nil
	}
	words := strings.Fields(strings.Join(*raw, " "))
	if len(words) == 0 {
		return nil, nil
	}
	parse := parseNft
	if words[0][0] == '-' || words[0][0] == '!' {
		parse = parseIptables
	}
	var out []condition
	for len(words) > 0 {
		c, n, err := parse(words, f)
		if err != nil {
			return nil, fmt.Errorf("%s: condition %q: %w", name, strings.Join(words[:max(n, 1)], " "), err)
		}
		out = append(out, c)
		words = words[n:]
	}
	return out, nil
}

// parseIptables parses the condition that words start with, in iptables
// syntax, and returns it with the number of words it took.
func parseIptables(words []string, f *nftutil.Family) (condition, int, error) {
	var c condition
	n := 0
	if words[0] == "!" {
		c.negate, n = true, 1
	}
	if len(words) < n+2 {
		return c, len(words), fmt.Errorf("incomplete: an option and its value are needed")
	}
	opt, val := words[n], words[n+1]
	n += 2
	// "!-d" is "! -d" written as one word.
	if rest, ok := strings.CutPrefix(opt, "!"); ok && !c.negate {
		c.negate, opt = true, rest
	}
	switch opt {
	case "-s", "--source", "--src":
		c.field = "saddr"
	case "-d", "--destination", "--dst":
		c.field = "daddr"
	case "-i", "--in-interface":
		c.field, c.ifName = "iifname", val
		return c, n, validateIfName(val)
	default:
		return c, n, fmt.Errorf("unsupported: only -s, -d and -i (and their long forms), each optionally negated with !, are translated to nftables")
	}
	var err error
	c.prefix, err = parsePrefix(val, f)
	return c, n, err
}

// parseNft parses the condition that words start with, in nft syntax,
// and returns it with the number of words it took.
func parseNft(words []string, f *nftutil.Family) (condition, int, error) {
	var c condition
	n := 1
	switch words[0] {
	case "ip", "ip6":
		if (words[0] == "ip") != (f == nftutil.IPv4) {
			return c, 1, fmt.Errorf("%s does not match IPv%s packets", words[0], f.Suffix)
		}
		if len(words) < 2 || (words[1] != "saddr" && words[1] != "daddr") {
			return c, min(2, len(words)), fmt.Errorf("unsupported: only %s saddr and %s daddr are translated", words[0], words[0])
		}
		c.field, n = words[1], 2
	case "iifname":
		c.field = "iifname"
	default:
		return c, 1, fmt.Errorf("unsupported: only ip saddr, ip daddr, ip6 saddr, ip6 daddr and iifname, optionally with != or ==, are translated")
	}
	if n < len(words) && (words[n] == "!=" || words[n] == "==") {
		c.negate = words[n] == "!="
		n++
	}
	if n >= len(words) {
		return c, n, fmt.Errorf("incomplete: a value is needed")
	}
	val := words[n]
	n++
	if c.field == "iifname" {
		name := strings.Trim(val, `"`)
		if strings.HasSuffix(name, "*") {
			name = strings.TrimSuffix(name, "*") + "+"
		}
		c.ifName = name
		return c, n, validateIfName(name)
	}
	var err error
	c.prefix, err = parsePrefix(val, f)
	return c, n, err
}

// parsePrefix parses an address or a subnet of family f.
func parsePrefix(s string, f *nftutil.Family) (*net.IPNet, error) {
	var ipn *net.IPNet
	if strings.Contains(s, "/") {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("invalid address %q", s)
		}
		if !ip.Equal(n.IP) {
			return nil, fmt.Errorf("%q has host bits set", s)
		}
		ipn = n
	} else {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("invalid address %q", s)
		}
		bits := 8 * int(nftutil.FamilyOf(ip).AddrLen)
		ipn = &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}
	}
	if nftutil.FamilyOf(ipn.IP) != f {
		return nil, fmt.Errorf("address %q is not IPv%s", s, f.Suffix)
	}
	ipn.IP = f.Addr(ipn.IP)
	return ipn, nil
}

// validateIfName checks an interface name of a condition.
func validateIfName(name string) error {
	if name == "" || name == "+" || len(name) > nftutil.IfNameLen-1 || strings.ContainsAny(name, "/ \"") {
		return fmt.Errorf("invalid interface name %q", name)
	}
	return nil
}

// failRule is the rule that returns from a group's chain when the
// condition does not hold for a packet of family f.
func (c condition) failRule(f *nftutil.Family) []expr.Any {
	op := expr.CmpOpNeq
	if c.negate {
		op = expr.CmpOpEq
	}
	exprs := f.Match()
	switch c.field {
	case "iifname":
		data := nftutil.IfName(c.ifName)
		if prefix, ok := strings.CutSuffix(c.ifName, "+"); ok {
			data = []byte(prefix)
		}
		exprs = append(exprs,
			&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
			&expr.Cmp{Op: op, Register: 1, Data: data})
	default:
		load := f.LoadSaddr(1)
		if c.field == "daddr" {
			load = f.LoadDaddr(1)
		}
		exprs = append(append(exprs, load), f.ComparePrefix(c.prefix, op)...)
	}
	return append(exprs, &expr.Verdict{Kind: expr.VerdictReturn})
}
