package portmap

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

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
// flow reaches the container. DEL deletes the entries too. Another
// published port keeps conntrack active, as on any host that translates
// addresses.
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
	c1.Del()
	if n := conntrackEntries(t, 9300); n != 0 {
		t.Errorf("%d conntrack entries to port 9300 left after DEL", n)
	}
}

// TestConditions publishes a port of a network whose conditionsV4 limit
// DNAT to one destination address, in iptables and in nft syntax, with
// cnictl's plugin and the reference: only connections to that address
// are forwarded, and a network without conditions is not affected.
func TestConditions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		which plugintest.Impl
		conf  map[string]any
	}{
		{"reference, iptables syntax", plugintest.Reference, map[string]any{"conditionsV4": []string{"-d", "192.0.2.1/32"}}},
		{"cnictl, iptables syntax", plugintest.Ours, map[string]any{"conditionsV4": []string{"-d", "192.0.2.1/32"}}},
		{"reference, nft syntax", plugintest.Reference, map[string]any{"backend": "nftables", "conditionsV4": []string{"ip daddr 192.0.2.1"}}},
		{"cnictl, nft syntax", plugintest.Ours, map[string]any{"conditionsV4": []string{"ip daddr 192.0.2.1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.which, "pmcond", "pmplain")
			if tc.conf["backend"] == "nftables" {
				e.DeleteTablesAtEnd("ip cni_hostport")
			}
			e.NewOutside("pmcout", []string{"192.0.2.1/24"}, []string{"192.0.2.2/24"})
			lc := e.Network(nfttest.Bridge{Name: "pmcond", Device: "cnipmc0", Subnets: []string{"10.73.0.0/24"}}, portmapConf(tc.conf))
			lp := e.Network(nfttest.Bridge{Name: "pmplain", Device: "cnipmc1", Subnets: []string{"10.74.0.0/24"}}, portmapConf(nil))
			c1 := e.Add(lc, "c1", mappings(pm("tcp", 9400, 80, "")))
			c2 := e.Add(lp, "c2", mappings(pm("tcp", 9401, 80, "")))
			c1.Serve(80)
			c2.Serve(80)
			for addr, want := range map[string]string{
				"192.0.2.1:9400": "c1", "10.73.0.1:9400": "-", "10.74.0.1:9400": "-",
				"192.0.2.1:9401": "c2", "10.73.0.1:9401": "c2",
			} {
				if got := answers(addr); got != want {
					t.Errorf("%s answered by %q, want %q", addr, got, want)
				}
			}
		})
	}
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
