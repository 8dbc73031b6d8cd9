package macvlan_test

import (
	"reflect"
	"testing"

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
