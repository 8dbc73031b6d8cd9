package firewall

import (
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/nftutil/nfttest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// dropScenario is a host whose iptables-nft FORWARD chains drop by policy,
// as Docker leaves them, with an outside namespace that routes the
// container subnets through the host (no NAT): container c1 is on a
// network with the firewall plugin, p1 on one without.
type dropScenario struct {
	e      *nfttest.Env
	l      *libcni.NetworkConfigList
	c1, p1 *nfttest.Container
	probes []nfttest.Probe
}

// newDropScenario sets the scenario up with which's firewall.
func newDropScenario(t *testing.T, which plugintest.Impl) *dropScenario {
	t.Helper()
	e := newEnv(t, which, "fwdrop", "fwplain")
	iptables(t, "iptables", "-P", "FORWARD", "DROP")
	iptables(t, "ip6tables", "-P", "FORWARD", "DROP")
	out := e.NewOutside("fwout", []string{"192.0.2.1/24", "2001:db8:2::1/64"}, []string{"192.0.2.2/24", "2001:db8:2::2/64"})
	out.Serve(e, "outside", 7000)
	l := e.Network(nfttest.Bridge{Name: "fwdrop", Device: "cnifw0", Subnets: []string{"10.80.0.0/24", "fd00:80::/64"}}, firewallConf(nil))
	lp := e.Network(nfttest.Bridge{Name: "fwplain", Device: "cnifw1", Subnets: []string{"10.83.0.0/24"}})
	s := &dropScenario{e: e, l: l}
	s.c1 = e.Add(l, "c1", nil)
	s.p1 = e.Add(lp, "p1", nil)
	s.c1.Serve(7001)
	s.probes = []nfttest.Probe{
		{Name: "container to outside", NS: s.c1.NS, Network: "tcp", Addr: nfttest.HostPort(out.OutsideAddrs[0], 7000)},
		{Name: "IPv6 container to outside", NS: s.c1.NS, Network: "tcp", Addr: nfttest.HostPort(out.OutsideAddrs[1], 7000)},
		{Name: "outside to container", NS: out.NS, Network: "tcp", Addr: nfttest.HostPort(s.c1.IP(false), 7001)},
		{Name: "IPv6 outside to container", NS: out.NS, Network: "tcp", Addr: nfttest.HostPort(s.c1.IP(true), 7001)},
		{Name: "unprotected container to outside", NS: s.p1.NS, Network: "tcp", Addr: nfttest.HostPort(out.OutsideAddrs[0], 7000)},
	}
	return s
}

// TestForwardDrop attaches a container on a host whose FORWARD policy is
// DROP: its connections out get through, new connections in do not (as
// with the reference, only established and related traffic is let in),
// and a container without the plugin stays cut off. The one rule in
// iptables' FORWARD chains reads as an iptables rule and goes with DEL.
func TestForwardDrop(t *testing.T) {
	s := newDropScenario(t, plugintest.Ours)
	nfttest.Compare(t, "attached", nfttest.Run(s.probes), map[string]string{
		"container to outside": "outside", "IPv6 container to outside": "outside",
		"outside to container": "-", "IPv6 outside to container": "-",
		"unprotected container to outside": "-",
	})
	want := `-P FORWARD DROP
-A FORWARD -m mark --mark 0x1000/0x1000 -m comment --comment "cnictl-firewall: accept container traffic marked by table inet cnictl-firewall" -j ACCEPT`
	for _, cmd := range []string{"iptables", "ip6tables"} {
		if got := iptables(t, cmd, "-S", "FORWARD"); got != want {
			t.Errorf("%s -S FORWARD:\n%s\nwant:\n%s", cmd, got, want)
		}
	}
	if err := s.c1.Check(); err != nil {
		t.Errorf("CHECK: %v", err)
	}
	t.Logf("nft list ruleset:\n%s", plugintest.Ruleset(t))
	s.c1.Del()
	for _, cmd := range []string{"iptables", "ip6tables"} {
		if got := iptables(t, cmd, "-S", "FORWARD"); got != "-P FORWARD DROP" {
			t.Errorf("%s -S FORWARD after DEL:\n%s", cmd, got)
		}
	}
	if rs := plugintest.Ruleset(t); strings.Contains(rs, tableName) {
		t.Errorf("table %s left after DEL:\n%s", tableName, rs)
	}
	nfttest.Compare(t, "after DEL", nfttest.Run(s.probes[4:]), map[string]string{"unprotected container to outside": "-"})
}

// TestForwardDropDifferential runs the scenario with the reference plugin
// and with cnictl's: the same connections succeed.
func TestForwardDropDifferential(t *testing.T) {
	results := map[plugintest.Impl]map[string]string{}
	for _, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
		t.Run(string(which), func(t *testing.T) {
			s := newDropScenario(t, which)
			results[which] = nfttest.Run(s.probes)
		})
	}
	nfttest.Compare(t, "cnictl vs reference", results[plugintest.Ours], results[plugintest.Reference])
}

// TestCheckFindsMissingForwardRule deletes cnictl's rule from iptables'
// FORWARD chain behind its back: CHECK says so, a new ADD puts it back.
func TestCheckFindsMissingForwardRule(t *testing.T) {
	s := newDropScenario(t, plugintest.Ours)
	iptables(t, "iptables", "-D", "FORWARD", "1")
	err := s.c1.Check()
	if err == nil || !strings.Contains(err.Error(), "ip filter FORWARD has policy drop and no rule accepting container traffic") {
		t.Errorf("CHECK without the FORWARD rule: %v", err)
	}
	s.e.Add(s.l, "c2", nil)
	if err := s.c1.Check(); err != nil {
		t.Errorf("CHECK after another ADD: %v", err)
	}
}

// setAddrs lists the addresses in the set of container addresses of
// family f.
func setAddrs(t *testing.T, f *nftutil.Family) []string {
	t.Helper()
	r, err := openRuleset()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	elems, err := r.GetSetElements(ipSet(f))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range elems {
		out = append(out, net.IP(e.Key).String())
	}
	return out
}

// TestDelKeepsOthers attaches a second container to the dual-stack
// network of the FORWARD-DROP scenario and deletes the first: the first's
// addresses leave the sets ips4 and ips6, the second's stay, and the
// second still reaches the outside.
func TestDelKeepsOthers(t *testing.T) {
	s := newDropScenario(t, plugintest.Ours)
	c2 := s.e.Add(s.l, "c2", nil)
	s.c1.Del()
	for _, f := range nftutil.Families {
		v6 := f == nftutil.IPv6
		got := setAddrs(t, f)
		if gone := s.c1.IP(v6).String(); slices.Contains(got, gone) {
			t.Errorf("set ips%s holds %s after its container's DEL: %v", f.Suffix, gone, got)
		}
		if kept := c2.IP(v6).String(); !slices.Contains(got, kept) {
			t.Errorf("set ips%s lacks %s, whose container stays: %v", f.Suffix, kept, got)
		}
	}
	if err := c2.Check(); err != nil {
		t.Errorf("CHECK of the container that stays: %v", err)
	}
	var probes []nfttest.Probe
	for _, p := range s.probes {
		if p.NS == s.c1.NS {
			p.NS = c2.NS
			probes = append(probes, p)
		}
	}
	nfttest.Compare(t, "after the other's DEL", nfttest.Run(probes), map[string]string{
		"container to outside": "outside", "IPv6 container to outside": "outside",
	})
}
