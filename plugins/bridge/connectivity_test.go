package bridge_test

import (
	"strings"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/nat/nattest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// masqConf is a dual-stack gateway network that masquerades.
func masqConf(bridge string) map[string]any {
	return map[string]any{
		"bridge": bridge, "isDefaultGateway": true, "ipMasq": true,
		"ipam": dualStack("10.52.0.0/24", "fd00:52::/64"),
	}
}

// TestConnectivity attaches two containers at every version: they ping
// each other and the gateway, over IPv4 and IPv6.
func TestConnectivity(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "cnib3", "net-conn")
			l := list(e, "net-conn", v, map[string]any{
				"bridge": "cnib3", "isDefaultGateway": true,
				"ipam": dualStack("10.53.0.0/24", "fd00:53::/64"),
			})
			ns1, ns2 := e.Container("c1"), e.Container("c2")
			_, r1 := e.Attach(l, "c1", ns1)
			_, r2 := e.Attach(l, "c2", ns2)
			for i, gw := range []string{"10.53.0.1", "fd00:53::1"} {
				ip1, ip2 := plugintest.AsCurrent(t, r1).IPs[i].Address.IP.String(), plugintest.AsCurrent(t, r2).IPs[i].Address.IP.String()
				for _, p := range [][2]string{{ns1, ip2}, {ns2, ip1}, {ns1, gw}, {ns2, gw}} {
					if err := plugintest.Reach(p[0], p[1]); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
}

// TestIPMasq attaches a masquerading container: an outside namespace, which
// routes the container subnet back through the host, sees the host's
// address as the source over IPv4 and IPv6 while it is attached. The map
// elements are in cnictl's table, and DEL leaves no ruleset.
func TestIPMasq(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "cnib4", "net-masq")
			out4 := nattest.NewOutside(t, "out4", "192.0.2.1/24", "192.0.2.2/24", "10.52.0.0/24")
			out6 := nattest.NewOutside(t, "out6", "2001:db8:2::1/64", "2001:db8:2::2/64", "fd00:52::/64")
			l := list(e, "net-masq", v, masqConf("cnib4"))
			nsPath := e.Container("c1")
			rt, res := e.Attach(l, "c1", nsPath)
			for _, out := range []*nattest.Outside{out4, out6} {
				if got := out.SourceFrom(t, nsPath); !got.Equal(out.HostAddr) {
					t.Errorf("the outside saw %s, want the host's %s", got, out.HostAddr)
				}
			}
			ruleset := plugintest.Ruleset(t)
			for _, ipc := range plugintest.AsCurrent(t, res).IPs {
				if !strings.Contains(ruleset, ipc.Address.IP.String()+` comment "net-masq c1 eth0"`) {
					t.Errorf("no map element for %s:\n%s", ipc.Address.IP, ruleset)
				}
			}
			e.Del(l, rt)
			if got := plugintest.Ruleset(t); strings.TrimSpace(got) != "" {
				t.Errorf("ruleset after DEL:\n%s", got)
			}
		})
	}
}
