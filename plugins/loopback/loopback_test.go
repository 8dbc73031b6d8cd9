package loopback_test

import (
	"encoding/json"
	"net"
	"reflect"
	"slices"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// loCase is a network with the loopback plugin and what ADD prints.
type loCase struct {
	name string
	// chain are the plugins of the network, loopback among them.
	chain []string
	// loDown brings lo down before ADD.
	loDown bool
	// want is the result loopback prints, normalised, in the layout of
	// cniVersion 1.0.0; "" means the prevResult it got, unchanged.
	want string
}

// ptpConf is the reference ptp plugin that chained cases put before
// loopback.
const ptpConf = `{"type": "ptp", "ipam": {"type": "host-local", "subnet": "10.96.1.0/24"}}`

// loResult is loopback's own result.
const loResult = `{"interfaces": [{"name": "lo", "mac": "00:00:00:00:00:00", "sandbox": "<netns>"}],
	"ips": [{"interface": 0, "address": "127.0.0.1/8"}, {"interface": 0, "address": "::1/128"}]}`

var cases = []loCase{
	{name: "alone", chain: []string{`{"type": "loopback"}`}, want: loResult},
	{name: "lo-down", chain: []string{`{"type": "loopback"}`}, loDown: true, want: loResult},
	{name: "after-ptp", chain: []string{ptpConf, `{"type": "loopback"}`}},
}

// keepsLoUp reports whether DEL leaves lo up at cniVersion v: chained
// after an interface plugin, which DEL learns from the prevResult it gets
// from 0.4.0 on.
func (c loCase) keepsLoUp(v string) bool {
	return c.want == "" && plugintest.AtLeast(v, "0.4.0")
}

// network builds the case's network at cniVersion v.
func (c loCase) network(t *testing.T, e *plugintest.Env, v string) *libcni.NetworkConfigList {
	t.Helper()
	plugins := make([]map[string]any, len(c.chain))
	for i, p := range c.chain {
		plugins[i] = plugintest.Parse(t, p)
	}
	return e.List("lo-"+c.name, v, plugins...)
}

// TestAddCheckDel runs every case at every version, those before 0.3.1
// too: ADD prints loopback's result in the layout of the version (ip4 and
// ip6 before 0.3.0) or passes the prevResult on, lo is up and answers,
// CHECK passes (from 0.4.0), and DEL brings lo down — unless chained
// after an interface plugin, see keepsLoUp — and can be repeated.
func TestAddCheckDel(t *testing.T) {
	for _, c := range cases {
		for _, v := range slices.Concat(plugintest.OldVersions, versions) {
			t.Run(c.name+"/"+v, func(t *testing.T) {
				e := newEnv(t, plugintest.Ours, "lo-"+c.name)
				l := c.network(t, e, v)
				nsPath := e.Container("lo")
				if c.loDown {
					setLo(t, nsPath, false)
				}
				rt, _ := e.Attach(l, "ctr-lo", nsPath)
				printed := e.Printed("loopback", "ADD")
				if got := plugintest.PrintedVersion(t, printed); got != v {
					t.Fatalf("ADD printed a result of version %s, want %s", got, v)
				}
				if c.want == "" {
					plugintest.SameResult(t, printed, plugintest.Normalize(t, e.Printed("ptp", "ADD")))
				} else {
					plugintest.SameResult(t, printed, plugintest.WantResult(t, c.want, v))
				}
				if !loUp(t, nsPath) {
					t.Fatal("lo is down after ADD")
				}
				plugintest.Ping(t, nsPath, "127.0.0.1")
				if plugintest.AtLeast(v, "0.4.0") {
					if err := e.Check(l, rt); err != nil {
						t.Fatalf("CHECK: %v", err)
					}
				}
				e.Del(l, rt)
				if up, want := loUp(t, nsPath), c.keepsLoUp(v); up != want {
					t.Fatalf("lo up after DEL: %v, want %v", up, want)
				}
				e.Del(l, rt)
			})
		}
	}
}

func TestCheckFailsWithLoDown(t *testing.T) {
	e := newEnv(t, plugintest.Ours)
	l := cases[0].network(t, e, "1.1.0")
	nsPath := e.Container("lo")
	rt, _ := e.Attach(l, "ctr-lo", nsPath)
	setLo(t, nsPath, false)
	if err := e.Check(l, rt); err == nil {
		t.Fatal("CHECK passed with lo down")
	}
}

func TestDelWithNetnsGone(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			l := cases[0].network(t, e, v)
			rt, _ := e.Attach(l, "ctr-lo", e.Container("lo"))
			e.DeleteContainer("lo")
			e.Del(l, rt)
		})
	}
}

// TestDifferential runs every case with the reference plugin and then
// with this one, at every version: the printed results and the state of lo
// after ADD and after DEL must be the same, but for a chained DEL, which
// leaves lo up here. Results are compared once
// decoded: before 1.0.0 the reference prints its own result in the 1.0.0
// layout. Before 0.3.0 that layout cannot be decoded, so there only the
// passed-on prevResult is compared (TestAddCheckDel checks the own one).
func TestDifferential(t *testing.T) {
	for _, c := range cases {
		for _, v := range slices.Concat(plugintest.OldVersions, versions) {
			t.Run(c.name+"/"+v, func(t *testing.T) {
				var got [2][]any
				for i, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
					t.Run(string(which), func(t *testing.T) {
						e := newEnv(t, which, "lo-"+c.name)
						l := c.network(t, e, v)
						nsPath := e.Container("lo")
						if c.loDown {
							setLo(t, nsPath, false)
						}
						rt, _ := e.Attach(l, "ctr-lo", nsPath)
						got[i] = append(got[i], loUp(t, nsPath))
						if c.want == "" || plugintest.AtLeast(v, "0.3.0") {
							got[i] = append(got[i], plugintest.Normalize(t, decoded(t, e.Printed("loopback", "ADD"))))
						}
						e.Del(l, rt)
						got[i] = append(got[i], loUp(t, nsPath))
					})
				}
				// The one deliberate difference: chained, the reference
				// takes lo down on DEL, this plugin leaves it up.
				if last := len(got[0]) - 1; !t.Failed() && c.keepsLoUp(v) {
					if got[0][last] != false || got[1][last] != true {
						t.Fatalf("lo up after a chained DEL: reference %v, cnictl %v; want false, true", got[0][last], got[1][last])
					}
					got[1][last] = false
				}
				if !t.Failed() && !reflect.DeepEqual(got[0], got[1]) {
					t.Fatalf("reference and cnictl differ:\nreference %v\n   cnictl %v", got[0], got[1])
				}
			})
		}
	}
}

// decoded parses a printed result at its cniVersion and prints it again
// in the 1.0.0 layout.
func decoded(t *testing.T, printed []byte) []byte {
	t.Helper()
	res, err := version.NewResult(plugintest.PrintedVersion(t, printed), printed)
	if err != nil {
		t.Fatalf("decoding %s: %v", printed, err)
	}
	cur, err := current.NewResultFromResult(res)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(cur)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// loUp reports whether lo is up in the namespace at nsPath.
func loUp(t *testing.T, nsPath string) bool {
	t.Helper()
	var up bool
	plugintest.In(t, nsPath, func() error {
		lo, err := netlink.LinkByName("lo")
		up = err == nil && lo.Attrs().Flags&net.FlagUp != 0
		return err
	})
	return up
}

// setLo brings lo of the namespace at nsPath up or down.
func setLo(t *testing.T, nsPath string, up bool) {
	t.Helper()
	plugintest.In(t, nsPath, func() error {
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return err
		}
		if up {
			return netlink.LinkSetUp(lo)
		}
		return netlink.LinkSetDown(lo)
	})
}
