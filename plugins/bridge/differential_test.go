package bridge_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nat/nattest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// observed is what a scenario saw of one bridge plugin.
type observed struct {
	// Results are the ADD results as printed, without what differs by
	// run: MAC addresses and host veth names.
	Results []any
	// Facts are yes/no observations: pings, masquerading, CHECK, DEL.
	Facts map[string]bool
}

// scenario attaches two containers to a masquerading dual-stack gateway
// network with the bridge plugin of which, at cniVersion v, and observes.
func scenario(t *testing.T, which plugintest.Impl, v string) observed {
	e := newEnv(t, which, "cnidiff0", "net-diff")
	out := nattest.NewOutside(t, "dout0", "192.0.2.1/24", "192.0.2.2/24", "10.57.0.0/24")
	l := list(e, "net-diff", v, map[string]any{
		"bridge": "cnidiff0", "isDefaultGateway": true, "ipMasq": true, "ipMasqBackend": "nftables",
		"hairpinMode": true, "mtu": 1450, "ipam": dualStack("10.57.0.0/24", "fd00:57::/64"),
	})
	o := observed{Facts: map[string]bool{}}
	ns1, ns2 := e.Container("c1"), e.Container("c2")
	rt1, r1 := e.Attach(l, "c1", ns1)
	rt2, r2 := e.Attach(l, "c2", ns2)
	for _, r := range []types.Result{r1, r2} {
		o.Results = append(o.Results, normalize(t, resultJSON(t, r, v)))
	}
	c2 := plugintest.AsCurrent(t, r2)
	for _, dst := range []string{c2.IPs[0].Address.IP.String(), c2.IPs[1].Address.IP.String(), "10.57.0.1", "fd00:57::1"} {
		o.Facts["ping "+dst] = plugintest.Reach(ns1, dst) == nil
	}
	o.Facts["masqueraded"] = out.SourceFrom(t, ns1).Equal(out.HostAddr)
	if v != "0.3.1" {
		o.Facts["check"] = e.Check(l, rt1) == nil
	}
	e.Del(l, rt1)
	e.Del(l, rt2)
	o.Facts["addresses released"] = len(e.Allocations("net-diff")) == 0
	return o
}

// normalize blanks what differs between runs in a printed result.
func normalize(t *testing.T, m map[string]any) any {
	t.Helper()
	ifs, _ := m["interfaces"].([]any)
	for i, x := range ifs {
		intf := x.(map[string]any)
		intf["mac"] = "MAC"
		if i == 1 {
			intf["name"] = "VETH"
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDifferential runs the same scenario with this plugin and the
// reference one at every version: same results but for MACs and veth
// names, same connectivity, masquerading, CHECK and DEL.
func TestDifferential(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			var got, want observed
			t.Run("cnictl", func(t *testing.T) { got = scenario(t, plugintest.Ours, v) })
			t.Run("reference", func(t *testing.T) { want = scenario(t, plugintest.Reference, v) })
			if !reflect.DeepEqual(got.Results, want.Results) {
				t.Errorf("results differ:\ncnictl:    %s\nreference: %s", dump(got.Results), dump(want.Results))
			}
			if !reflect.DeepEqual(got.Facts, want.Facts) {
				t.Errorf("observations differ:\ncnictl:    %v\nreference: %v", got.Facts, want.Facts)
			}
			for fact, ok := range got.Facts {
				if !ok {
					t.Errorf("cnictl: %s failed", fact)
				}
			}
		})
	}
}

// dump formats a value as JSON for messages.
func dump(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
