package bandwidth_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// diffCases are the bandwidth configurations the differential test runs
// with both plugins, with the capability args the runtime passes.
var diffCases = []struct {
	name string
	conf map[string]any
	caps map[string]any
}{
	{"static", static.json(), nil},
	{"ingress-only", map[string]any{"ingressRate": 8_000_000, "ingressBurst": 123_456}, nil},
	{"egress-only", map[string]any{"egressRate": 1_000_000_000, "egressBurst": 64_000_000}, nil},
	{"runtime-config", map[string]any{"capabilities": map[string]any{"bandwidth": true}}, map[string]any{"bandwidth": dynamic.json()}},
	{"none", map[string]any{}, nil},
}

// TestDifferential runs every case with the reference plugin and then with
// this one: the printed results must be the same (random MAC addresses and
// veth names aside), and so must the qdiscs and the ifb read back from the
// kernel.
func TestDifferential(t *testing.T) {
	for _, c := range diffCases {
		for _, v := range versions {
			t.Run(c.name+"/"+v, func(t *testing.T) {
				var got [2]observation
				for i, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
					t.Run(string(which), func(t *testing.T) { got[i] = observe(t, which, c.conf, c.caps, v) })
				}
				if t.Failed() {
					return
				}
				if !reflect.DeepEqual(got[0], got[1]) {
					t.Fatalf("reference and cnictl differ:\nreference %v %v\n   cnictl %v %v", got[0].Result, got[0].Shaping, got[1].Result, got[1].Shaping)
				}
			})
		}
	}
}

// observation is what the differential test compares.
type observation struct {
	Result  any
	Shaping shaping
}

// observe attaches a container with the bandwidth plugin of which and
// returns what it saw.
func observe(t *testing.T, which plugintest.Impl, conf, caps map[string]any, v string) observation {
	e := newEnv(t, which)
	l := list(e, v, conf)
	nsPath := e.Container("bw-diff")
	e.Add(l, rt("bw-diff", nsPath, caps))
	return observation{
		Result:  normalize(t, e.Printed("bandwidth", "ADD")),
		Shaping: shapingOf(t, hostVeth(t, nsPath), "bw-diff"),
	}
}

// normalize decodes a printed result and replaces the random parts: MAC
// addresses and veth names.
func normalize(t *testing.T, printed []byte) any {
	t.Helper()
	var r map[string]any
	if err := json.Unmarshal(printed, &r); err != nil {
		t.Fatalf("decoding the printed result %s: %v", printed, err)
	}
	ifaces, _ := r["interfaces"].([]any)
	for _, i := range ifaces {
		intf := i.(map[string]any)
		if _, ok := intf["mac"]; ok {
			intf["mac"] = "random"
		}
		if name, _ := intf["name"].(string); strings.HasPrefix(name, "veth") {
			intf["name"] = "veth"
		}
	}
	return r
}

// TestInterop wants each plugin to check (from 0.4.0 on) and delete what
// the other one added: the ifb has the same name and the qdiscs the same
// parameters.
func TestInterop(t *testing.T) {
	for _, pair := range [][2]plugintest.Impl{{plugintest.Reference, plugintest.Ours}, {plugintest.Ours, plugintest.Reference}} {
		for _, v := range versions {
			t.Run(string(pair[0])+"-then-"+string(pair[1])+"/"+v, func(t *testing.T) {
				e := newEnv(t, pair[0])
				l := list(e, v, static.json())
				r := rt("bw-a", e.Container("bw-a"), nil)
				if _, err := e.CNI.Add(context.Background(), l, r); err != nil {
					t.Fatalf("ADD with %s: %v", pair[0], err)
				}
				e.Use(pair[1])
				if plugintest.AtLeast(v, "0.4.0") {
					if err := e.Check(l, r); err != nil {
						t.Errorf("CHECK with %s: %v", pair[1], err)
					}
				}
				e.Del(l, r)
				if s := shapingOf(t, nil, "bw-a"); s.Ifb != nil {
					t.Errorf("DEL with %s left the ifb %s", pair[1], s.Ifb.Name)
				}
			})
		}
	}
}
