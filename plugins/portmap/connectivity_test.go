package portmap

import (
	"fmt"
	"net"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/nftutil/nfttest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// scenario is a dual-stack network in hairpin mode with an outside
// namespace behind the host: container c1 publishes TCP 8080 and UDP 8081
// on every local address and TCP 8082 on the outside-facing IPv4 address
// only; c2 is its neighbour.
type scenario struct {
	e      *nfttest.Env
	c1, c2 *nfttest.Container
	probes []nfttest.Probe
	// want is who answers each probe while c1's ports are published.
	want map[string]string
}

// newScenario sets the scenario up with which's portmap, whose
// configuration has the fields of conf, on a host with or without
// br_netfilter.
func newScenario(t *testing.T, which plugintest.Impl, brNetfilter bool, conf map[string]any) *scenario {
	t.Helper()
	e := newEnv(t, which, "pm")
	plugintest.EnableForwarding(t)
	e.SetBridgeNetfilter(brNetfilter)
	out := e.NewOutside("pmout", []string{"192.0.2.1/24", "2001:db8:1::1/64"}, []string{"192.0.2.2/24", "2001:db8:1::2/64"})
	l := e.Network(nfttest.Bridge{Name: "pm", Device: "cnipm0", Subnets: []string{"10.66.0.0/24", "fd00:66::/64"}, Hairpin: true}, portmapConf(conf))
	s := &scenario{e: e}
	s.c2 = e.Add(l, "c2", nil)
	s.c1 = e.Add(l, "c1", mappings(pm("tcp", 8080, 80, ""), pm("udp", 8081, 81, ""), pm("tcp", 8082, 80, "192.0.2.1")))
	s.c1.Serve(80)
	s.c1.Serve(81)
	gw4, gw6 := net.ParseIP("10.66.0.1"), net.ParseIP("fd00:66::1")
	up4, up6 := out.HostAddrs[0], out.HostAddrs[1]
	s.probes = []nfttest.Probe{
		{Name: "host to gateway, tcp", Network: "tcp", Addr: nfttest.HostPort(gw4, 8080)},
		{Name: "host to gateway, udp", Network: "udp", Addr: nfttest.HostPort(gw4, 8081)},
		{Name: "host to 127.0.0.1, tcp", Network: "tcp", Addr: "127.0.0.1:8080"},
		{Name: "host to 127.0.0.1, udp", Network: "udp", Addr: "127.0.0.1:8081"},
		{Name: "host to gateway, hostIP mapping", Network: "tcp", Addr: nfttest.HostPort(gw4, 8082)},
		{Name: "outside, tcp", NS: out.NS, Network: "tcp", Addr: nfttest.HostPort(up4, 8080)},
		{Name: "outside, udp", NS: out.NS, Network: "udp", Addr: nfttest.HostPort(up4, 8081)},
		{Name: "outside, hostIP mapping", NS: out.NS, Network: "tcp", Addr: nfttest.HostPort(up4, 8082)},
		{Name: "neighbour hairpin, tcp", NS: s.c2.NS, Network: "tcp", Addr: nfttest.HostPort(gw4, 8080)},
		{Name: "neighbour hairpin, udp", NS: s.c2.NS, Network: "udp", Addr: nfttest.HostPort(gw4, 8081)},
		{Name: "neighbour through the outside address", NS: s.c2.NS, Network: "tcp", Addr: nfttest.HostPort(up4, 8080)},
		{Name: "self hairpin, tcp", NS: s.c1.NS, Network: "tcp", Addr: nfttest.HostPort(gw4, 8080)},
		{Name: "self hairpin, udp", NS: s.c1.NS, Network: "udp", Addr: nfttest.HostPort(gw4, 8081)},
		{Name: "IPv6 host to gateway, tcp", Network: "tcp", Addr: nfttest.HostPort(gw6, 8080)},
		{Name: "IPv6 host to gateway, udp", Network: "udp", Addr: nfttest.HostPort(gw6, 8081)},
		{Name: "IPv6 host to ::1, tcp", Network: "tcp", Addr: "[::1]:8080"},
		{Name: "IPv6 outside, tcp", NS: out.NS, Network: "tcp", Addr: nfttest.HostPort(up6, 8080)},
		{Name: "IPv6 outside, udp", NS: out.NS, Network: "udp", Addr: nfttest.HostPort(up6, 8081)},
		{Name: "IPv6 neighbour hairpin, tcp", NS: s.c2.NS, Network: "tcp", Addr: nfttest.HostPort(gw6, 8080)},
		{Name: "IPv6 self hairpin, tcp", NS: s.c1.NS, Network: "tcp", Addr: nfttest.HostPort(gw6, 8080)},
	}
	s.want = map[string]string{}
	for _, p := range s.probes {
		s.want[p.Name] = "c1"
	}
	// A hostIP mapping answers on its address only; connections from
	// ::1 cannot leave the loopback interface.
	s.want["host to gateway, hostIP mapping"] = "-"
	s.want["IPv6 host to ::1, tcp"] = "-"
	return s
}

// none is what every probe gets when no port is published.
func (s *scenario) none() map[string]string {
	out := map[string]string{}
	for _, p := range s.probes {
		out[p.Name] = "-"
	}
	return out
}

// brNetfilterModes are the two kinds of host: with br_netfilter, traffic
// between the ports of a bridge goes through the IP hooks (and conntrack
// can undo a hairpin DNAT on the reply), without it stays at layer 2.
var brNetfilterModes = []struct {
	name string
	on   bool
}{{"br_netfilter", true}, {"no br_netfilter", false}}

// TestConnectivity publishes ports and connects to them from the host's
// addresses, 127.0.0.1, an outside namespace, a neighbour and the
// container itself, over TCP, UDP, IPv4 and IPv6. After DEL no connection
// gets through and the ruleset is what it was.
func TestConnectivity(t *testing.T) {
	for _, mode := range brNetfilterModes {
		t.Run(mode.name, func(t *testing.T) {
			before := plugintest.Ruleset(t)
			s := newScenario(t, plugintest.Ours, mode.on, nil)
			nfttest.Compare(t, "published", nfttest.Run(s.probes), s.want)
			if err := s.c1.Check(); err != nil {
				t.Errorf("CHECK: %v", err)
			}
			s.c1.Del()
			nfttest.Compare(t, "after DEL", nfttest.Run(s.probes), s.none())
			if after := plugintest.Ruleset(t); after != before {
				t.Errorf("ruleset after DEL:\n%s\nwant:\n%s", after, before)
			}
		})
	}
}

// TestNoSNAT publishes ports with snat off on a host without br_netfilter:
// nothing is masqueraded, so connections from 127.0.0.1 and hairpin
// connections fail (the container answers its neighbour directly, which
// expects the answer from the host), and the others work.
func TestNoSNAT(t *testing.T) {
	s := newScenario(t, plugintest.Ours, false, map[string]any{"snat": false})
	for _, name := range []string{
		"host to 127.0.0.1, tcp", "host to 127.0.0.1, udp",
		"neighbour hairpin, tcp", "neighbour hairpin, udp", "neighbour through the outside address",
		"self hairpin, tcp", "self hairpin, udp", "IPv6 neighbour hairpin, tcp", "IPv6 self hairpin, tcp",
	} {
		s.want[name] = "-"
	}
	nfttest.Compare(t, "published without snat", nfttest.Run(s.probes), s.want)
}

// TestDifferential runs the scenario with the reference plugin and with
// cnictl's, with snat on and off and with masqAll, with and without
// br_netfilter: the same connections succeed, published and after DEL.
func TestDifferential(t *testing.T) {
	type variant struct {
		name string
		brNF bool
		conf map[string]any
	}
	for _, variant := range []variant{
		{"br_netfilter", true, nil},
		{"no br_netfilter", false, nil},
		{"no br_netfilter, snat off", false, map[string]any{"snat": false}},
		{"br_netfilter, masqAll", true, map[string]any{"masqAll": true}},
	} {
		t.Run(variant.name, func(t *testing.T) {
			results := map[plugintest.Impl][2]map[string]string{}
			for _, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
				t.Run(string(which), func(t *testing.T) {
					s := newScenario(t, which, variant.brNF, variant.conf)
					published := nfttest.Run(s.probes)
					s.c1.Del()
					results[which] = [2]map[string]string{published, nfttest.Run(s.probes)}
				})
			}
			for i, what := range []string{"published", "after DEL"} {
				nfttest.Compare(t, what+" (cnictl vs reference)", results[plugintest.Ours][i], results[plugintest.Reference][i])
			}
		})
	}
}

// TestMasqAll publishes ports with and without masqAll, with the reference
// plugin and with cnictl's, and connects to them from an outside
// namespace over TCP and UDP, IPv4 and IPv6. masqAll masquerades every
// DNATed connection, as the reference's "-s 0.0.0.0/0" (::/0) mark rule
// does, not only hairpin and localhost ones: the container sees the
// connection come from the host's address on the bridge. Without it, it
// sees the outside address.
func TestMasqAll(t *testing.T) {
	for _, masqAll := range []bool{false, true} {
		for _, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
			t.Run(fmt.Sprintf("%s, masqAll %t", which, masqAll), func(t *testing.T) {
				e := newEnv(t, which, "pmmasq")
				plugintest.EnableForwarding(t)
				out := e.NewOutside("pmmout", []string{"192.0.2.1/24", "2001:db8:1::1/64"}, []string{"192.0.2.2/24", "2001:db8:1::2/64"})
				l := e.Network(nfttest.Bridge{Name: "pmmasq", Device: "cnipmma", Subnets: []string{"10.78.0.0/24", "fd00:78::/64"}},
					portmapConf(map[string]any{"masqAll": masqAll}))
				c1 := e.Add(l, "c1", mappings(pm("tcp", 9600, 80, ""), pm("udp", 9601, 81, "")))
				c1.Serve(80)
				c1.Serve(81)
				gateways := []net.IP{net.ParseIP("10.78.0.1"), net.ParseIP("fd00:78::1")}
				for i := range gateways {
					want := out.OutsideAddrs[i]
					if masqAll {
						want = gateways[i]
					}
					for network, port := range map[string]int{"tcp": 9600, "udp": 9601} {
						p := nfttest.Probe{NS: out.NS, Network: network, Addr: nfttest.HostPort(out.HostAddrs[i], port)}
						if id, peer := p.Ask(); id != "c1" || !peer.Equal(want) {
							t.Errorf("outside to %s over %s: answered by %q, which saw the connection come from %v; want c1, from %v", p.Addr, network, id, peer, want)
						}
					}
				}
			})
		}
	}
}
