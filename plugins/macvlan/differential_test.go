package macvlan_test

import (
	"reflect"
	"testing"
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
				for i, which := range []impl{reference, ours} {
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
func observe(t *testing.T, which impl, c mvCase, v string) []any {
	name := "diff-" + c.name
	e := newEnv(t, which, name)
	masterIndex := newMaster(t, "", master)
	l := e.list(name, v, parse(t, c.plugin))
	_, resA := e.add(l, "diff-a", e.container("diff-a"))
	got := []any{normalize(t, e.printed("ADD"))}
	a := asCurrent(t, resA)
	assertAttached(t, a, c.mode, c.mtu, masterIndex)
	if c.pair {
		_, resB := e.add(l, "diff-b", e.container("diff-b"))
		got = append(got, normalize(t, e.printed("ADD")))
		pingEachOther(t, a, asCurrent(t, resB))
	}
	return got
}
