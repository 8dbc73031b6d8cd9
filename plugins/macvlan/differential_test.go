package macvlan_test

import (
	"reflect"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// diffVersions are the cniVersions each case of cases runs at in the
// differential test; a case not listed runs at 1.1.0 only.
var diffVersions = map[string][]string{"bridge": versions}

// TestDifferential runs every case of cases with the reference plugin and
// then with this one: the results must be the same (MACs and namespace
// paths aside), and paired containers must reach each other with both.
func TestDifferential(t *testing.T) {
	for _, c := range cases {
		vs, ok := diffVersions[c.name]
		if !ok {
			vs = []string{"1.1.0"}
		}
		for _, v := range vs {
			t.Run(c.name+"/"+v, func(t *testing.T) {
				var got [2][]any
				for i, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
					t.Run(string(which), func(t *testing.T) { got[i] = observe(t, which, c, v) })
				}
				if t.Failed() {
					return
				}
				if !reflect.DeepEqual(got[0], got[1]) {
					t.Fatalf("reference and cnictl differ:\nreference %v\n   cnictl %v", got[0], got[1])
				}
			})
		}
	}
}

// observe runs a case with the plugin of which and returns the normalised
// results.
func observe(t *testing.T, which plugintest.Impl, c mvCase, v string) []any {
	name := "diff-" + c.name
	e := newEnv(t, which, name)
	masterIndex := newMaster(t, "", master)
	l := e.List(name, v, plugintest.Parse(t, c.plugin))
	_, resA := e.Attach(l, "diff-a", e.Container("diff-a"))
	got := []any{plugintest.Normalize(t, e.Printed("macvlan", "ADD"))}
	a := asCurrent(t, resA)
	assertAttached(t, a, c.mode, c.mtu, masterIndex)
	if c.pair {
		_, resB := e.Attach(l, "diff-b", e.Container("diff-b"))
		got = append(got, plugintest.Normalize(t, e.Printed("macvlan", "ADD")))
		pingEachOther(t, a, asCurrent(t, resB))
	}
	return got
}

// TestOldVersions attaches two containers at each cniVersion before 0.3.1
// with the reference plugin and with this one: ADD prints the same results
// in that version's layout and the macvlans get the same addresses and
// routes, the containers reach each other, and DEL, which gets no
// prevResult, removes the macvlans and releases the addresses.
func TestOldVersions(t *testing.T) {
	c := cases[0]
	for _, v := range plugintest.OldVersions {
		t.Run(v, func(t *testing.T) {
			plugintest.SameForBoth(t, func(t *testing.T, which plugintest.Impl) any {
				e := newEnv(t, which, "mv-old")
				newMaster(t, "", master)
				l := e.List("mv-old", v, plugintest.Parse(t, c.plugin))
				var got []any
				var rts [2]*libcni.RuntimeConf
				var addrs [2]string
				ns := [2]string{e.Container("mv-a"), e.Container("mv-b")}
				for i, id := range []string{"ctr-a", "ctr-b"} {
					var res types.Result
					rts[i], res = e.Attach(l, id, ns[i])
					printed := e.Printed("macvlan", "ADD")
					if pv := plugintest.PrintedVersion(t, printed); pv != v {
						t.Errorf("ADD printed a result of version %s, want %s", pv, v)
					}
					got = append(got, plugintest.Normalize(t, printed), plugintest.StateOf(t, ns[i], "eth0"))
					addrs[i] = plugintest.AsCurrent(t, res).IPs[0].Address.IP.String()
				}
				plugintest.Ping(t, ns[0], addrs[1])
				plugintest.Ping(t, ns[1], addrs[0])
				for i, rt := range rts {
					e.Del(l, rt)
					if plugintest.LinkExists(t, ns[i], "eth0") {
						t.Errorf("eth0 of %s left after DEL", rt.ContainerID)
					}
				}
				if left := e.Allocations("mv-old"); len(left) != 0 {
					t.Errorf("allocations left after DEL: %v", left)
				}
				return got
			})
		})
	}
}
