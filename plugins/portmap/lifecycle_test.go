package portmap

import (
	"context"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/nftutil/nfttest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// answers tells who answers TCP at addr from the host, "-" if nobody.
func answers(addr string) string {
	id, err := nfttest.Ask("", "tcp", "", addr, time.Second)
	if err != nil {
		return "-"
	}
	return id
}

// TestGC forgets an attachment, as a runtime that lost track of it would:
// GC with only the other one valid removes the forgotten one's mapping and
// state, and keeps the valid one's.
func TestGC(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "pmgc")
	l := e.Network(nfttest.Bridge{Name: "pmgc", Device: "cnipmgc", Subnets: []string{"10.67.0.0/24"}}, portmapConf(nil))
	c1 := e.Add(l, "c1", mappings(pm("tcp", 9001, 80, "")))
	c2 := e.Add(l, "c2", mappings(pm("tcp", 9002, 80, "")))
	c1.Serve(80)
	c2.Serve(80)
	if got := answers("10.67.0.1:9002"); got != "c2" {
		t.Fatalf("before GC, port 9002 answered by %q", got)
	}
	if err := e.CNI.Status(context.Background(), l); err != nil {
		t.Errorf("STATUS: %v", err)
	}
	c2.Forget()
	if err := e.CNI.GC(context.Background(), l, []types.GCAttachment{{ContainerID: "c1", IfName: "eth0"}}); err != nil {
		t.Fatalf("GC: %v", err)
	}
	if got := answers("10.67.0.1:9002"); got != "-" {
		t.Errorf("after GC, port 9002 answered by %q, want nobody", got)
	}
	if got := answers("10.67.0.1:9001"); got != "c1" {
		t.Errorf("after GC, port 9001 answered by %q, want c1", got)
	}
	if rs := plugintest.Ruleset(t); strings.Contains(rs, `"pmgc c2 eth0"`) || !strings.Contains(rs, `"pmgc c1 eth0"`) {
		t.Errorf("after GC, the ruleset should hold c1's element and not c2's:\n%s", rs)
	}
	if err := c1.Check(); err != nil {
		t.Errorf("CHECK of c1 after GC: %v", err)
	}
	// The reference bridge has no GC: DEL releases c2's address.
	c2.Del()
}

// TestSharedHostPort maps one host port to two containers, with cnictl's
// plugin and the reference: the first ADD gets the traffic, and when it
// goes the second does. cnictl's CHECK of the second fails meanwhile.
func TestSharedHostPort(t *testing.T) {
	for _, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
		t.Run(string(which), func(t *testing.T) {
			e := newEnv(t, which, "pmshare")
			l := e.Network(nfttest.Bridge{Name: "pmshare", Device: "cnipmsh", Subnets: []string{"10.68.0.0/24"}}, portmapConf(nil))
			before := plugintest.Ruleset(t)
			c1 := e.Add(l, "c1", mappings(pm("tcp", 9100, 80, "")))
			c1.Serve(80)
			c2 := e.Add(l, "c2", mappings(pm("tcp", 9100, 80, "")))
			c2.Serve(80)
			if got := answers("10.68.0.1:9100"); got != "c1" {
				t.Errorf("with both, port 9100 answered by %q, want the first, c1", got)
			}
			if err := c2.Check(); which == plugintest.Ours && (err == nil || !strings.Contains(err.Error(), "host port tcp/9100 is mapped to network")) {
				t.Errorf("CHECK of c2, whose port c1 has: %v", err)
			}
			c1.Del()
			if got := answers("10.68.0.1:9100"); got != "c2" {
				t.Errorf("after c1's DEL, port 9100 answered by %q, want c2", got)
			}
			if err := c2.Check(); err != nil {
				t.Errorf("CHECK of c2 after c1's DEL: %v", err)
			}
			c2.Del()
			if got := answers("10.68.0.1:9100"); got != "-" {
				t.Errorf("after both DELs, port 9100 answered by %q", got)
			}
			if after := plugintest.Ruleset(t); which == plugintest.Ours && after != before {
				t.Errorf("ruleset after both DELs:\n%s\nwant:\n%s", after, before)
			}
		})
	}
}

// TestCheckFindsMissingElement deletes a map element behind the plugin's
// back: CHECK says which, and DEL still cleans up.
func TestCheckFindsMissingElement(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "pmcheck")
	l := e.Network(nfttest.Bridge{Name: "pmcheck", Device: "cnipmck", Subnets: []string{"10.71.0.0/24"}}, portmapConf(nil))
	c1 := e.Add(l, "c1", mappings(pm("tcp", 9200, 80, "")))
	if err := c1.Check(); err != nil {
		t.Fatalf("CHECK: %v", err)
	}
	out, err := exec.Command("nft", "delete", "element", "inet", tableName, "dnat4", "{ tcp . 9200 }").CombinedOutput()
	if err != nil {
		t.Fatalf("deleting the element: %v: %s", err, out)
	}
	err = c1.Check()
	if err == nil || !strings.Contains(err.Error(), "map dnat4 has no element for tcp/9200") {
		t.Errorf("CHECK after the element was deleted: %v", err)
	}
	c1.Del()
}

// conntrackEntries counts the UDP conntrack entries to port.
func conntrackEntries(t *testing.T, port uint16) int {
	t.Helper()
	flows, err := netlink.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range flows {
		if f.Forward.Protocol == udp && f.Forward.DstPort == port {
			n++
		}
	}
	return n
}

// TestStaleUDP sends datagrams to a host port before it is published, from
// a fixed source port: the conntrack entry that made would keep later
// datagrams of that flow from being translated, so ADD deletes it and the
// flow reaches the container. DEL deletes the entries of the flow, which
// is there until then, too. Another published port keeps conntrack
// active, as on any host that translates addresses.
func TestStaleUDP(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "pmudp")
	l := e.Network(nfttest.Bridge{Name: "pmudp", Device: "cnipmud", Subnets: []string{"10.72.0.0/24"}}, portmapConf(nil))
	e.Add(l, "c0", mappings(pm("tcp", 9301, 80, "")))
	const from, to = "10.72.0.1:40001", "10.72.0.1:9300"
	if _, err := nfttest.Ask("", "udp", from, to, 300*time.Millisecond); err == nil {
		t.Fatal("an unpublished port answered")
	}
	if conntrackEntries(t, 9300) == 0 {
		t.Fatal("the datagram left no conntrack entry: the test proves nothing")
	}
	c1 := e.Add(l, "c1", mappings(pm("udp", 9300, 81, "")))
	c1.Serve(81)
	if id, err := nfttest.Ask("", "udp", from, to, time.Second); err != nil || id != "c1" {
		t.Errorf("the flow that started before ADD: answered by %q (%v), want c1", id, err)
	}
	if conntrackEntries(t, 9300) == 0 {
		t.Error("no conntrack entry to port 9300 before DEL: DEL has nothing to delete, the test proves nothing")
	}
	c1.Del()
	if n := conntrackEntries(t, 9300); n != 0 {
		t.Errorf("%d conntrack entries to port 9300 left after DEL", n)
	}
}

// conditionCase is one run of a conditions test: the implementation of
// portmap and the fields of the configuration of the network with
// conditions.
type conditionCase struct {
	name  string
	which plugintest.Impl
	conf  map[string]any
}

// testConditions runs each case: c1 publishes TCP 9400 on dual-stack
// network pmcond, whose configuration has the case's fields, and c2 TCP
// 9401 on pmplain, which has no conditions, next to an outside namespace
// that puts 192.0.2.1 and 2001:db8:9::1 on the host. Connections from the
// host to each address of want are answered by whom it names.
func testConditions(t *testing.T, cases []conditionCase, want map[string]string) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.which, "pmcond", "pmplain")
			if tc.conf["backend"] == "nftables" {
				e.DeleteTablesAtEnd("ip cni_hostport", "ip6 cni_hostport")
			}
			e.NewOutside("pmcout", []string{"192.0.2.1/24", "2001:db8:9::1/64"}, []string{"192.0.2.2/24", "2001:db8:9::2/64"})
			lc := e.Network(nfttest.Bridge{Name: "pmcond", Device: "cnipmc0", Subnets: []string{"10.73.0.0/24", "fd00:73::/64"}}, portmapConf(tc.conf))
			lp := e.Network(nfttest.Bridge{Name: "pmplain", Device: "cnipmc1", Subnets: []string{"10.74.0.0/24", "fd00:74::/64"}}, portmapConf(nil))
			c1 := e.Add(lc, "c1", mappings(pm("tcp", 9400, 80, "")))
			c2 := e.Add(lp, "c2", mappings(pm("tcp", 9401, 80, "")))
			c1.Serve(80)
			c2.Serve(80)
			for addr, who := range want {
				if got := answers(addr); got != who {
					t.Errorf("%s answered by %q, want %q", addr, got, who)
				}
			}
		})
	}
}

// TestConditions publishes a port of a network whose conditionsV4 limit
// DNAT to one destination address, in iptables and in nft syntax, with
// cnictl's plugin and the reference: only IPv4 connections to that
// address are forwarded, IPv6 ones are not limited, and a network without
// conditions is not affected.
func TestConditions(t *testing.T) {
	testConditions(t, []conditionCase{
		{"reference, iptables syntax", plugintest.Reference, map[string]any{"conditionsV4": []string{"-d", "192.0.2.1/32"}}},
		{"cnictl, iptables syntax", plugintest.Ours, map[string]any{"conditionsV4": []string{"-d", "192.0.2.1/32"}}},
		{"reference, nft syntax", plugintest.Reference, map[string]any{"backend": "nftables", "conditionsV4": []string{"ip daddr 192.0.2.1"}}},
		{"cnictl, nft syntax", plugintest.Ours, map[string]any{"conditionsV4": []string{"ip daddr 192.0.2.1"}}},
	}, map[string]string{
		"192.0.2.1:9400": "c1", "10.73.0.1:9400": "-", "10.74.0.1:9400": "-", "[fd00:73::1]:9400": "c1",
		"192.0.2.1:9401": "c2", "10.73.0.1:9401": "c2",
	})
}

// TestConditionsV6 is TestConditions with conditionsV6: only IPv6
// connections to the one address are forwarded, IPv4 ones are not
// limited.
func TestConditionsV6(t *testing.T) {
	testConditions(t, []conditionCase{
		{"reference, iptables syntax", plugintest.Reference, map[string]any{"conditionsV6": []string{"-d", "2001:db8:9::1/128"}}},
		{"cnictl, iptables syntax", plugintest.Ours, map[string]any{"conditionsV6": []string{"-d", "2001:db8:9::1/128"}}},
		{"reference, nft syntax", plugintest.Reference, map[string]any{"backend": "nftables", "conditionsV6": []string{"ip6 daddr 2001:db8:9::1"}}},
		{"cnictl, nft syntax", plugintest.Ours, map[string]any{"conditionsV6": []string{"ip6 daddr 2001:db8:9::1"}}},
	}, map[string]string{
		"[2001:db8:9::1]:9400": "c1", "[fd00:73::1]:9400": "-", "[fd00:74::1]:9400": "-", "10.73.0.1:9400": "c1",
		"[2001:db8:9::1]:9401": "c2", "[fd00:73::1]:9401": "c2",
	})
}

// TestTwoNetworks publishes ports of containers on two networks, one with
// conditions, and logs the ruleset (go test -v shows it). DEL of both
// removes the table.
func TestTwoNetworks(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "web", "db")
	before := plugintest.Ruleset(t)
	lw := e.Network(nfttest.Bridge{Name: "web", Device: "cniweb", Subnets: []string{"10.75.0.0/24", "fd00:75::/64"}}, portmapConf(nil))
	ld := e.Network(nfttest.Bridge{Name: "db", Device: "cnidb", Subnets: []string{"10.76.0.0/24"}},
		portmapConf(map[string]any{"conditionsV4": []string{"!", "-s", "203.0.113.0/24"}}))
	web := e.Add(lw, "web1", mappings(pm("tcp", 8080, 80, ""), pm("udp", 8053, 53, "10.75.0.1")))
	db := e.Add(ld, "db1", mappings(pm("tcp", 5432, 5432, "")))
	web.Serve(80)
	db.Serve(5432)
	for addr, want := range map[string]string{"10.75.0.1:8080": "web1", "[fd00:75::1]:8080": "web1", "10.75.0.1:5432": "db1"} {
		if got := answers(addr); got != want {
			t.Errorf("%s answered by %q, want %q", addr, got, want)
		}
	}
	t.Logf("nft list ruleset with web1 on network web and db1 on network db:\n%s", plugintest.Ruleset(t))
	web.Del()
	db.Del()
	if after := plugintest.Ruleset(t); after != before {
		t.Errorf("ruleset after DEL:\n%s\nwant:\n%s", after, before)
	}
}

// TestDelAfterFlush deletes the table behind the plugin's back, as nft
// flush ruleset would: DEL still succeeds and forgets the attachments, and
// the next ADD builds the table again.
func TestDelAfterFlush(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "pmflush")
	l := e.Network(nfttest.Bridge{Name: "pmflush", Device: "cnipmfl", Subnets: []string{"10.77.0.0/24"}}, portmapConf(nil))
	c1 := e.Add(l, "c1", mappings(pm("tcp", 9500, 80, "")))
	c2 := e.Add(l, "c2", mappings(pm("tcp", 9500, 80, "")))
	if out, err := exec.Command("nft", "delete", "table", "inet", tableName).CombinedOutput(); err != nil {
		t.Fatalf("deleting the table: %v: %s", err, out)
	}
	if err := c1.Check(); err == nil {
		t.Error("CHECK succeeded without the table")
	}
	c2.Del()
	c3 := e.Add(l, "c3", mappings(pm("tcp", 9501, 80, "")))
	c3.Serve(80)
	if got := answers("10.77.0.1:9501"); got != "c3" {
		t.Errorf("after the table came back, port 9501 answered by %q", got)
	}
}

// TestSCTP maps an SCTP port next to a TCP one of another container: the
// DNAT maps get an element keyed "sctp . port" for each family, CHECK
// passes, and DEL removes them and leaves the other container's. The
// mapping carries traffic if the kernel makes SCTP sockets.
func TestSCTP(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "pmsctp")
	l := e.Network(nfttest.Bridge{Name: "pmsctp", Device: "cnipmsc", Subnets: []string{"10.89.0.0/24", "fd00:89::/64"}}, portmapConf(nil))
	c0 := e.Add(l, "c0", mappings(pm("tcp", 9701, 80, "")))
	c1 := e.Add(l, "c1", mappings(pm("sctp", 9700, 80, "")))
	// elements lists the maps dnat4 and dnat6.
	elements := func() string {
		t.Helper()
		var out []string
		for _, m := range []string{"dnat4", "dnat6"} {
			text, err := exec.Command("nft", "list", "map", "inet", tableName, m).CombinedOutput()
			if err != nil {
				t.Fatalf("nft list map %s: %v: %s", m, err, text)
			}
			out = append(out, string(text))
		}
		return strings.Join(out, "\n")
	}
	want := []string{
		`sctp . 9700 comment "pmsctp c1 eth0" : ` + c1.IP(false).String() + ` . 80`,
		`sctp . 9700 comment "pmsctp c1 eth0" : ` + c1.IP(true).String() + ` . 80`,
	}
	others := []string{`tcp . 9701 comment "pmsctp c0 eth0"`}
	maps := elements()
	for _, w := range append(want, others...) {
		if !strings.Contains(maps, w) {
			t.Errorf("the DNAT maps lack %q:\n%s", w, maps)
		}
	}
	if err := c1.Check(); err != nil {
		t.Errorf("CHECK: %v", err)
	}
	t.Run("traffic", func(t *testing.T) {
		if reason := nfttest.SCTPUnavailable(); reason != "" {
			t.Skip(reason)
		}
		c1.ServeSCTP(80)
		for _, addr := range []string{"10.89.0.1:9700", "[fd00:89::1]:9700"} {
			if id, _ := (nfttest.Probe{Network: "sctp", Addr: addr}).Ask(); id != "c1" {
				t.Errorf("SCTP to %s answered by %q, want c1", addr, id)
			}
		}
	})
	c1.Del()
	maps = elements()
	if strings.Contains(maps, "sctp . 9700") {
		t.Errorf("SCTP elements left after DEL:\n%s", maps)
	}
	for _, w := range others {
		if !strings.Contains(maps, w) {
			t.Errorf("after c1's DEL, the DNAT maps lack c0's %q:\n%s", w, maps)
		}
	}
	c0.Del()
}

// TestConstantRules adds 10 attachments, then 190 more, half of them on a
// network with conditions, each mapping a port on any address and one on
// a host address: the table has the same chains and rules after 200 as
// after 10, and only the elements of the DNAT maps grow. GC of both
// networks removes the table.
func TestConstantRules(t *testing.T) {
	plugintest.NewStateDir(t, nftutil.EnvStateDir)
	cond, err := newGroup(&[]string{"!", "-s", "203.0.113.0/24"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// addUpTo adds attachments from to to-1, the even ones on network
	// plain, the odd ones on network cond.
	addUpTo := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			conf, a := benchConf("plain", i, 10000+i)
			if i%2 == 1 {
				conf, a = benchConf("cond", i, 10000+i)
				conf.group = cond
			}
			conf.mappings = append(conf.mappings, mapping{Protocol: "tcp", HostPort: uint16(20000 + i), ContainerPort: 53, HostIP: "192.0.2.1"})
			if err := add(conf, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	// wantElements are the elements of each map and set with n
	// attachments.
	wantElements := func(n int) map[string]int {
		want := map[string]int{"masq4": 2, "masq6": 0}
		for _, id := range []string{"", cond.id} {
			for _, m := range groupMaps(id) {
				want[m.Name] = 0
			}
			want[dnatMapName(id, nftutil.IPv4, false)] = n / 2
			want[dnatMapName(id, nftutil.IPv4, true)] = n / 2
		}
		return want
	}
	addUpTo(0, 10)
	small := nfttest.ListTable(t, "inet", tableName)
	addUpTo(10, 200)
	big := nfttest.ListTable(t, "inet", tableName)
	if !slices.Contains(small.Chains, groupChain(cond.id)) || small.Rules == 0 {
		t.Fatalf("with 10 attachments: chains %v, %d rules", small.Chains, small.Rules)
	}
	if big.Rules != small.Rules || !slices.Equal(big.Chains, small.Chains) {
		t.Errorf("%d rules in chains %v with 10 attachments, %d in %v with 200", small.Rules, small.Chains, big.Rules, big.Chains)
	}
	for n, tab := range map[int]nfttest.Table{10: small, 200: big} {
		if want := wantElements(n); !maps.Equal(tab.Elements, want) {
			t.Errorf("elements with %d attachments: %v, want %v", n, tab.Elements, want)
		}
	}
	for _, network := range []string{"plain", "cond"} {
		if err := records.GC(network, nil); err != nil {
			t.Fatal(err)
		}
	}
	if rs := plugintest.Ruleset(t); strings.Contains(rs, tableName) {
		t.Errorf("table left after GC:\n%s", rs)
	}
}

// TestForeignRulesUntouched publishes ports next to another program's
// nftables table and iptables rules, on a network without conditions and
// one with: ADD, GC and DEL leave them as they were.
func TestForeignRulesUntouched(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "pmforeign", "pmforcond")
	f := e.AddForeign()
	l := e.Network(nfttest.Bridge{Name: "pmforeign", Device: "cnipmfo0", Subnets: []string{"10.91.0.0/24", "fd00:91::/64"}}, portmapConf(nil))
	lc := e.Network(nfttest.Bridge{Name: "pmforcond", Device: "cnipmfo1", Subnets: []string{"10.92.0.0/24"}},
		portmapConf(map[string]any{"conditionsV4": []string{"-s", "10.0.0.0/8"}}))
	c1 := e.Add(l, "c1", mappings(pm("tcp", 9800, 80, ""), pm("udp", 9801, 81, "")))
	c2 := e.Add(l, "c2", mappings(pm("tcp", 9802, 80, "10.91.0.1")))
	c3 := e.Add(lc, "c3", mappings(pm("tcp", 9803, 80, "")))
	f.Unchanged("after ADD")
	c2.Forget()
	if err := e.CNI.GC(context.Background(), l, []types.GCAttachment{{ContainerID: "c1", IfName: "eth0"}}); err != nil {
		t.Fatalf("GC: %v", err)
	}
	f.Unchanged("after GC")
	c3.Del()
	f.Unchanged("after the DEL of the network with conditions")
	c1.Del()
	if rs := plugintest.Ruleset(t); strings.Contains(rs, tableName) {
		t.Errorf("table %s left after the last DEL:\n%s", tableName, rs)
	}
	f.Unchanged("after the last DEL")
	// The reference bridge has no GC: DEL releases c2's address.
	c2.Del()
}

// TestStaleElementReplaced plants a DNAT element that no attachment
// recorded, for a host port that an ADD then maps to its container, as a
// crash between the ruleset and the state, or a hand, would leave it: the
// kernel refuses to add an element whose key is there with another value,
// so ADD replaces it, and the port reaches the new container.
func TestStaleElementReplaced(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "pmstale")
	l := e.Network(nfttest.Bridge{Name: "pmstale", Device: "cnipmsl", Subnets: []string{"10.96.0.0/24"}}, portmapConf(nil))
	c0 := e.Add(l, "c0", mappings(pm("tcp", 9901, 80, "")))
	if out, err := exec.Command("nft", "add", "element", "inet", tableName, "dnat4", "{ tcp . 9900 : 10.0.0.9 . 80 }").CombinedOutput(); err != nil {
		t.Fatalf("planting the stale element: %v: %s", err, out)
	}
	c1 := e.Add(l, "c1", mappings(pm("tcp", 9900, 80, "")))
	c1.Serve(80)
	if got := answers("10.96.0.1:9900"); got != "c1" {
		t.Errorf("port 9900 answered by %q, want c1", got)
	}
	if err := c1.Check(); err != nil {
		t.Errorf("CHECK: %v", err)
	}
	c1.Del()
	c0.Del()
}
