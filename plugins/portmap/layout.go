package portmap

import (
	"hash/fnv"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// tableName is the name of cnictl's port mapping table, in the inet family.
const tableName = "cnictl-portmap"

// table is cnictl's port mapping table.
var table = &nftables.Table{Family: nftables.TableFamilyINet, Name: tableName}

// Chains of the table.
const (
	chainPrerouting  = "prerouting"
	chainOutput      = "output"
	chainPostrouting = "postrouting"
	chainHostports   = "hostports"
)

// chain returns the named chain of the table.
func chain(name string) *nftables.Chain { return &nftables.Chain{Table: table, Name: name} }

// setID gives each set a batch-local ID that rules created in the same
// batch refer to it by.
func setID(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32() | 1
}

// groupChain is the chain of the group named id.
func groupChain(id string) string {
	if id == "" {
		return chainHostports
	}
	return chainHostports + "-" + id
}

// dnatMapName is the name of a DNAT map of a group.
func dnatMapName(id string, f *nftutil.Family, hostIP bool) string {
	name := "dnat" + f.Suffix
	if hostIP {
		name = "hostip-" + name
	}
	if id != "" {
		name += "-" + id
	}
	return name
}

// dnatMap is a DNAT map of a group. A new value each time: nftables.Conn
// writes to the sets it is given.
func dnatMap(id string, f *nftutil.Family, hostIP bool) *nftables.Set {
	key := []nftables.SetDatatype{nftables.TypeInetProto, nftables.TypeInetService}
	if hostIP {
		key = append([]nftables.SetDatatype{f.AddrType}, key...)
	}
	name := dnatMapName(id, f, hostIP)
	return &nftables.Set{
		Table: table, Name: name, ID: setID(name), IsMap: true, Concatenation: true,
		KeyType:  nftables.MustConcatSetType(key...),
		DataType: nftables.MustConcatSetType(f.AddrType, nftables.TypeInetService),
	}
}

// masqSet is the masquerading set of a family: destination subnet .
// source subnet.
func masqSet(f *nftutil.Family) *nftables.Set {
	name := "masq" + f.Suffix
	return &nftables.Set{
		Table: table, Name: name, ID: setID(name), Interval: true, Concatenation: true,
		KeyType: nftables.MustConcatSetType(f.AddrType, f.AddrType),
	}
}

// lookup looks up the key in register 1 in set, into register 1 for maps.
func lookup(s *nftables.Set) *expr.Lookup {
	return &expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID, DestRegister: 1, IsDestRegSet: s.IsMap}
}

// dnatRule translates the destination of packets of family f whose key
// is in a DNAT map of the group.
func dnatRule(id string, f *nftutil.Family, hostIP bool) []expr.Any {
	exprs := f.Match()
	var off uint32
	if hostIP {
		exprs = append(exprs, f.LoadDaddr(1))
		off = f.AddrLen
	}
	exprs = append(exprs,
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: nftutil.Reg(off)},
		&expr.Payload{DestRegister: nftutil.Reg(off + 4), Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		lookup(dnatMap(id, f, hostIP)),
		&expr.NAT{
			Type: expr.NATTypeDestNAT, Family: uint32(f.Proto),
			RegAddrMin: 1, RegProtoMin: nftutil.Reg(f.AddrLen), Specified: true,
		},
	)
	return exprs
}

// groupRules are the rules of a group's chain: return unless the
// conditions hold, then look the packet up in the group's maps, the maps
// with host addresses first.
func groupRules(g group) [][]expr.Any {
	var rules [][]expr.Any
	for _, c := range g.v4 {
		rules = append(rules, c.failRule(nftutil.IPv4))
	}
	for _, c := range g.v6 {
		rules = append(rules, c.failRule(nftutil.IPv6))
	}
	for _, f := range nftutil.Families {
		rules = append(rules, dnatRule(g.id, f, true), dnatRule(g.id, f, false))
	}
	return rules
}

// jumpToGroup is the rule of hostports that sends packets to a group's
// chain; its comment is the group's id.
func jumpToGroup(id string) *nftables.Rule {
	return &nftables.Rule{
		Table: table, Chain: chain(chainHostports),
		Exprs:    []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: groupChain(id)}},
		UserData: nftutil.RuleComment(id),
	}
}

// localRule jumps to hostports for packets to a local address.
func localRule() []expr.Any {
	return []expr.Any{
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)},
		&expr.Verdict{Kind: expr.VerdictJump, Chain: chainHostports},
	}
}

// masqRule masquerades DNATed connections of family f whose destination
// and source are in the masq set.
func masqRule(f *nftutil.Family) []expr.Any {
	exprs := append(nftutil.MatchDNAT(), f.Match()...)
	return append(exprs,
		f.LoadDaddr(1),
		f.LoadSaddr(nftutil.Reg(f.AddrLen)),
		lookup(masqSet(f)),
		&expr.Masq{},
	)
}

// baseChains are the chains of the table with their rules, hook chains
// with a type.
func baseChains() []struct {
	chain *nftables.Chain
	rules [][]expr.Any
} {
	nat := func(name string, hook *nftables.ChainHook, prio *nftables.ChainPriority) *nftables.Chain {
		return &nftables.Chain{Table: table, Name: name, Type: nftables.ChainTypeNAT, Hooknum: hook, Priority: prio}
	}
	return []struct {
		chain *nftables.Chain
		rules [][]expr.Any
	}{
		// hostports first: the others jump to it.
		{chain(chainHostports), groupRules(group{})},
		{nat(chainPrerouting, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest), [][]expr.Any{localRule()}},
		{nat(chainOutput, nftables.ChainHookOutput, nftables.ChainPriorityNATDest), [][]expr.Any{localRule()}},
		{nat(chainPostrouting, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource), [][]expr.Any{masqRule(nftutil.IPv4), masqRule(nftutil.IPv6)}},
	}
}

// groupMaps are the DNAT maps of a group.
func groupMaps(id string) []*nftables.Set {
	var out []*nftables.Set
	for _, f := range nftutil.Families {
		out = append(out, dnatMap(id, f, true), dnatMap(id, f, false))
	}
	return out
}
