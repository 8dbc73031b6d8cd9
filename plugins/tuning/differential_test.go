package tuning_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// diffCases are the tuning configurations the differential test runs with
// both plugins, with the capability args the runtime passes.
var diffCases = []struct {
	name string
	conf map[string]any
	caps map[string]any
}{
	{"all-fields", allFields, nil},
	{"sysctl-only", map[string]any{"sysctl": map[string]any{"net.ipv4.conf.IFNAME.arp_ignore": "2", "net.core.somaxconn": "512"}}, nil},
	{"args-cni", map[string]any{
		"mtu":    1400,
		"sysctl": map[string]any{"net.core.somaxconn": "512"},
		"args": map[string]any{"cni": map[string]any{
			"mtu": 1300, "promisc": true, "allmulti": false, "txQLen": 500,
			"sysctl": map[string]any{"net.ipv4.conf.IFNAME.arp_ignore": "2"},
		}},
	}, nil},
	{"runtime-mac", map[string]any{"capabilities": map[string]any{"mac": true}}, map[string]any{"mac": "c2:11:22:33:44:66"}},
}

// TestDifferential runs every case with the reference plugin and then with
// this one: the printed results must be the same (random MAC addresses and
// veth names aside), and so must the interface and the sysctls after ADD
// and the interface after the DEL of tuning.
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
					t.Fatalf("reference and cnictl differ:\nreference %+v\n   cnictl %+v", got[0], got[1])
				}
			})
		}
	}
}

// observation is what the differential test compares.
type observation struct {
	Result   any
	Added    linkState
	Restored linkState
}

// observe attaches a container with the tuning plugin of which, detaches
// it and returns what it saw.
func observe(t *testing.T, which plugintest.Impl, conf, caps map[string]any, v string) observation {
	e := newEnv(t, which)
	l := e.list(v, conf)
	nsPath := e.Container("tune-diff")
	var o observation
	e.After("DEL", "tuning", func() { o.Restored = stateOf(t, nsPath, "eth0") })
	r := plugintest.RT("tune-diff", nsPath)
	r.CapabilityArgs = caps
	e.Add(l, r)
	o.Result = normalize(t, e.Printed("tuning", "ADD"))
	o.Added = stateOf(t, nsPath, "eth0", ifSysctl, nsSysctl)
	if !strings.HasPrefix(o.Added.MAC, "c2:11:22:33:44:") {
		o.Added.MAC = "random"
	}
	e.Del(l, r)
	e.After("DEL", "tuning", nil)
	if !strings.HasPrefix(o.Restored.MAC, "c2:11:22:33:44:") {
		o.Restored.MAC = "random"
	}
	return o
}

// normalize decodes a printed result and replaces the random parts: MAC
// addresses other than the tests' and veth names.
func normalize(t *testing.T, printed []byte) any {
	t.Helper()
	var r map[string]any
	if err := json.Unmarshal(printed, &r); err != nil {
		t.Fatalf("decoding the printed result %s: %v", printed, err)
	}
	ifaces, _ := r["interfaces"].([]any)
	for _, i := range ifaces {
		intf := i.(map[string]any)
		if mac, _ := intf["mac"].(string); !strings.HasPrefix(mac, "c2:11:22:33:44:") {
			intf["mac"] = "random"
		}
		if name, _ := intf["name"].(string); strings.HasPrefix(name, "veth") {
			intf["name"] = "veth"
		}
	}
	return r
}
