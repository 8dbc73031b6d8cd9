package bridge_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/libcni"
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
// The leak check of the env sees anything DEL leaves.
func scenario(t *testing.T, which plugintest.Impl, v string) observed {
	e := newEnv(t, which, "cnidiff0", "net-diff")
	out := nattest.NewOutside(t, "dout0", "192.0.2.1/24", "192.0.2.2/24", "10.57.0.0/24")
	l := list(e, "net-diff", v, map[string]any{
		"bridge": "cnidiff0", "isDefaultGateway": true, "ipMasq": true, "ipMasqBackend": "nftables",
		"hairpinMode": true, "mtu": 1450, "ipam": dualStack("10.57.0.0/24", "fd00:57::/64"),
	})
	o := observed{Facts: map[string]bool{}}
	ns := [2]string{e.Container("c1"), e.Container("c2")}
	var rts [2]*libcni.RuntimeConf
	var res [2]types.Result
	for i := range ns {
		rts[i], res[i] = e.Attach(l, fmt.Sprintf("c%d", i+1), ns[i])
		printed := e.Printed("bridge", "ADD")
		if got := plugintest.PrintedVersion(t, printed); got != v {
			t.Errorf("ADD printed a result of version %s, want %s", got, v)
		}
		o.Results = append(o.Results, normalize(t, plugintest.Parse(t, string(printed))))
	}
	c2 := plugintest.AsCurrent(t, res[1])
	for _, dst := range []string{c2.IPs[0].Address.IP.String(), c2.IPs[1].Address.IP.String(), "10.57.0.1", "fd00:57::1"} {
		o.Facts["ping "+dst] = plugintest.Reach(ns[0], dst) == nil
	}
	o.Facts["masqueraded"] = out.SourceFrom(t, ns[0]).Equal(out.HostAddr)
	if plugintest.AtLeast(v, "0.4.0") {
		o.Facts["check"] = e.Check(l, rts[0]) == nil
	}
	e.Del(l, rts[0])
	e.Del(l, rts[1])
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
// reference one at every version, those before 0.3.1 too: same printed
// results but for MACs and veth names (in the ip4/ip6 layout before
// 0.3.0), same connectivity, masquerading, CHECK (from 0.4.0) and DEL.
func TestDifferential(t *testing.T) {
	for _, v := range slices.Concat(plugintest.OldVersions, versions) {
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
