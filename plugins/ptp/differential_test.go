package ptp_test

import (
	"fmt"
	"net"
	"reflect"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/plugins/internal/nat/nattest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// diffCase is a configuration run through the reference plugin and
// through this one.
type diffCase struct {
	name     string
	plugin   string
	versions []string
	// masq sends from the first container to an outside network: the
	// source address seen there must match too.
	masq bool
}

var diffCases = []diffCase{
	{
		name: "ipv4-mtu",
		plugin: `{"type": "ptp", "mtu": 1400, "ipam": {"type": "host-local", "subnet": "10.97.20.0/24",
			"routes": [{"dst": "0.0.0.0/0"}]}}`,
		versions: versions,
	},
	{
		name: "dns",
		plugin: `{"type": "ptp", "dns": {"nameservers": ["10.97.21.53"]}, "ipam": {"type": "host-local",
			"subnet": "10.97.21.0/24", "rangeStart": "10.97.21.100"}}`,
		versions: []string{"0.4.0", "1.1.0"},
	},
	{
		name: "dual-stack",
		plugin: `{"type": "ptp", "ipam": {"type": "host-local",
			"ranges": [[{"subnet": "10.97.22.0/24"}], [{"subnet": "fd97:22::/64"}]],
			"routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}}`,
		versions: []string{"1.0.0"},
	},
	{
		name: "ipmasq",
		plugin: `{"type": "ptp", "ipMasq": true, "ipam": {"type": "host-local", "subnet": "10.97.23.0/24",
			"routes": [{"dst": "0.0.0.0/0"}]}}`,
		versions: []string{"1.0.0"},
		masq:     true,
	},
}

// observed is what one implementation did with a diffCase.
type observed struct {
	results []any
	source  net.IP
}

// TestDifferential attaches two containers with the reference plugin and
// then with this one: the results must have the same shape (MACs, veth
// names and namespace paths aside), the containers must reach each other
// and their gateways, and with ipMasq the outside must see the same
// source address.
func TestDifferential(t *testing.T) {
	for _, c := range diffCases {
		for _, v := range c.versions {
			t.Run(c.name+"/"+v, func(t *testing.T) {
				var got [2]observed
				for i, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
					t.Run(string(which), func(t *testing.T) { got[i] = observe(t, which, c, v) })
				}
				if t.Failed() {
					return
				}
				if !reflect.DeepEqual(got[0], got[1]) {
					t.Fatalf("reference and cnictl differ:\nreference %+v\n   cnictl %+v", got[0], got[1])
				}
			})
		}
	}
}

// observe runs a diffCase with the plugin of which.
func observe(t *testing.T, which plugintest.Impl, c diffCase, v string) observed {
	name := "diff-" + c.name
	e := newEnv(t, which, name)
	var out *nattest.Outside
	if c.masq {
		out = nattest.NewOutside(t, "out0", "192.0.2.1/24", "192.0.2.2/24")
		if which == plugintest.Reference {
			// The reference's iptables backend leaves an empty nat
			// table behind; it must not count as a leak.
			e.DeleteTablesAtEnd("ip nat")
		}
	}
	l := e.List(name, v, plugintest.Parse(t, c.plugin))
	var o observed
	var res [2]*current.Result
	var ns [2]string
	for i, id := range []string{"diff-a", "diff-b"} {
		ns[i] = e.Container(id)
		_, r := e.Attach(l, id, ns[i])
		o.results = append(o.results, plugintest.Normalize(t, e.Printed("ptp", "ADD")))
		res[i] = asCurrent(t, r)
	}
	pingEachOther(t, ns[0], res[0], ns[1], res[1])
	if out != nil {
		o.source = out.SourceFrom(t, ns[0])
	}
	return o
}

// TestDelOfReferenceAttachment replaces the reference plugin with this one
// between ADD and DEL, as an upgrade does: DEL must find the reference's
// randomly named host end through prevResult, or without one (0.3.1)
// through the container end, and also once the namespace is gone.
func TestDelOfReferenceAttachment(t *testing.T) {
	for _, tc := range []struct {
		version string
		nsFirst bool
	}{{"0.3.1", false}, {"1.0.0", false}, {"1.0.0", true}} {
		t.Run(fmt.Sprintf("%s/netns-deleted=%v", tc.version, tc.nsFirst), func(t *testing.T) {
			e := newEnv(t, plugintest.Reference, "upgrade")
			l := e.List("upgrade", tc.version, plugintest.Parse(t, diffCases[0].plugin))
			rt, res := e.Attach(l, "ctr-upgrade", e.Container("upgrade"))
			host := asCurrent(t, res).Interfaces[0].Name
			e.Use(plugintest.Ours)
			if tc.nsFirst {
				e.DeleteContainer("upgrade")
			}
			e.Del(l, rt)
			if plugintest.LinkExists(t, "", host) {
				t.Fatalf("host end %s left after DEL", host)
			}
		})
	}
}

// oldObserved is what TestOldVersions compares.
type oldObserved struct {
	// Result is the printed ADD result, normalised.
	Result any
	// Eth0 is the container end after ADD.
	Eth0 plugintest.LinkState
}

// TestOldVersions attaches a masquerading container at each cniVersion
// before 0.3.1 with the reference plugin and with this one: ADD prints the
// same result in that version's layout, the container end gets the same
// addresses and routes and reaches the gateway, and DEL, which gets no
// prevResult, removes the container end and releases the address. The
// leak check sees a host end or NAT left behind.
func TestOldVersions(t *testing.T) {
	for _, v := range plugintest.OldVersions {
		t.Run(v, func(t *testing.T) {
			plugintest.SameForBoth(t, func(t *testing.T, which plugintest.Impl) any {
				e := newEnv(t, which, "ptp-old")
				if which == plugintest.Reference {
					e.DeleteTablesAtEnd("ip nat")
				}
				l := e.List("ptp-old", v, plugintest.Parse(t, masqNet))
				nsPath := e.Container("ptp-old")
				rt, res := e.Attach(l, "ctr-old", nsPath)
				printed := e.Printed("ptp", "ADD")
				if got := plugintest.PrintedVersion(t, printed); got != v {
					t.Errorf("ADD printed a result of version %s, want %s", got, v)
				}
				o := oldObserved{Result: plugintest.Normalize(t, printed), Eth0: plugintest.StateOf(t, nsPath, "eth0")}
				plugintest.Ping(t, nsPath, plugintest.AsCurrent(t, res).IPs[0].Gateway.String())
				e.Del(l, rt)
				if plugintest.LinkExists(t, nsPath, "eth0") {
					t.Error("eth0 left after DEL")
				}
				if got := e.Allocations("ptp-old"); len(got) != 0 {
					t.Errorf("allocations left after DEL: %v", got)
				}
				return o
			})
		})
	}
}
