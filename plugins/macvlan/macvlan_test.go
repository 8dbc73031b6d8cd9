package macvlan_test

import (
	"fmt"
	"net"
	"reflect"
	"slices"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// master is the master interface the cases use, a veth in the test's own
// namespace.
const master = "mvm0"

// mvCase is a macvlan plugin configuration and what a container attached
// with it gets.
type mvCase struct {
	name string
	// plugin is the plugin's configuration.
	plugin string
	// mode and mtu are what the macvlan gets.
	mode string
	mtu  int
	// pair attaches a second container, which must reach the first one.
	pair bool
	// want is the first container's result, normalised, in the layout
	// of cniVersion 1.0.0.
	want string
	// versions are the cniVersions to run at; nil means all. IPv6 costs
	// a second or two of duplicate address detection per container.
	versions []string
}

var cases = []mvCase{
	{
		name: "bridge",
		plugin: `{"type": "macvlan", "master": "mvm0", "mode": "bridge", "ipam": {"type": "host-local",
			"subnet": "10.98.1.0/24", "routes": [{"dst": "0.0.0.0/0"}]}}`,
		mode: "bridge", mtu: 1500, pair: true,
		want: `{"interfaces": [{"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}],
			"ips": [{"interface": 0, "address": "10.98.1.2/24", "gateway": "10.98.1.1"}],
			"routes": [{"dst": "0.0.0.0/0"}]}`,
	},
	{
		name: "private-mtu-dns",
		plugin: `{"type": "macvlan", "master": "mvm0", "mode": "private", "mtu": 1400,
			"dns": {"nameservers": ["10.98.2.53"]},
			"ipam": {"type": "host-local", "subnet": "10.98.2.0/24"}}`,
		mode: "private", mtu: 1400,
		want: `{"interfaces": [{"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}],
			"ips": [{"interface": 0, "address": "10.98.2.2/24", "gateway": "10.98.2.1"}],
			"dns": {"nameservers": ["10.98.2.53"]}}`,
	},
	{
		name: "vepa-static",
		plugin: `{"type": "macvlan", "master": "mvm0", "mode": "vepa", "ipam": {"type": "static",
			"addresses": [{"address": "10.98.3.10/24", "gateway": "10.98.3.1"}],
			"routes": [{"dst": "10.98.33.0/24"}]}}`,
		mode: "vepa", mtu: 1500,
		want: `{"interfaces": [{"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}],
			"ips": [{"interface": 0, "address": "10.98.3.10/24", "gateway": "10.98.3.1"}],
			"routes": [{"dst": "10.98.33.0/24"}]}`,
	},
	{
		name: "passthru",
		plugin: `{"type": "macvlan", "master": "mvm0", "mode": "passthru", "ipam": {"type": "host-local",
			"subnet": "10.98.4.0/24"}}`,
		mode: "passthru", mtu: 1500,
		want: `{"interfaces": [{"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}],
			"ips": [{"interface": 0, "address": "10.98.4.2/24", "gateway": "10.98.4.1"}]}`,
	},
	{
		name:   "l2-only",
		plugin: `{"type": "macvlan", "master": "mvm0"}`,
		mode:   "bridge", mtu: 1500, pair: true,
		want: `{"interfaces": [{"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}]}`,
	},
	{
		name: "dual-stack",
		plugin: `{"type": "macvlan", "master": "mvm0", "ipam": {"type": "host-local",
			"ranges": [[{"subnet": "10.98.6.0/24"}], [{"subnet": "fd98:6::/64"}]],
			"routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}}`,
		mode: "bridge", mtu: 1500, pair: true,
		want: `{"interfaces": [{"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}],
			"ips": [{"interface": 0, "address": "10.98.6.2/24", "gateway": "10.98.6.1"},
				{"interface": 0, "address": "fd98:6::2/64", "gateway": "fd98:6::1"}],
			"routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}`,
		versions: []string{"0.3.1", "1.1.0"},
	},
}

// runVersions are the cniVersions the case runs at.
func (c mvCase) runVersions() []string {
	if c.versions == nil {
		return versions
	}
	return c.versions
}

func TestAddCheckDel(t *testing.T) {
	for _, c := range cases {
		for _, v := range c.runVersions() {
			t.Run(c.name+"/"+v, func(t *testing.T) {
				e := newEnv(t, plugintest.Ours, "mv-"+c.name)
				masterIndex := newMaster(t, "", master)
				l := e.List("mv-"+c.name, v, plugintest.Parse(t, c.plugin))
				nsA := e.Container("mv-a")
				rtA, resA := e.Attach(l, "ctr-a", nsA)
				if got := plugintest.PrintedVersion(t, e.Printed("macvlan", "ADD")); got != v {
					t.Fatalf("ADD printed a result of version %s, want %s", got, v)
				}
				plugintest.SameResult(t, e.Printed("macvlan", "ADD"), plugintest.WantResult(t, c.want, v))
				a := asCurrent(t, resA)
				assertAttached(t, a, c.mode, c.mtu, masterIndex)
				if c.pair {
					_, resB := e.Attach(l, "ctr-b", e.Container("mv-b"))
					b := asCurrent(t, resB)
					assertAttached(t, b, c.mode, c.mtu, masterIndex)
					pingEachOther(t, a, b)
				}
				if plugintest.AtLeast(v, "0.4.0") {
					if err := e.Check(l, rtA); err != nil {
						t.Fatalf("CHECK of a fresh attachment: %v", err)
					}
				}
				e.Del(l, rtA)
				if plugintest.LinkExists(t, nsA, "eth0") {
					t.Fatal("eth0 left after DEL")
				}
				e.Del(l, rtA) // DEL is idempotent
			})
		}
	}
}

// asCurrent converts a result to the current version and checks that it
// lists the container's macvlan.
func asCurrent(t *testing.T, r types.Result) *current.Result {
	t.Helper()
	res := plugintest.AsCurrent(t, r)
	if len(res.Interfaces) != 1 || res.Interfaces[0].Sandbox == "" {
		t.Fatalf("result should list the container's macvlan: %+v", res.Interfaces)
	}
	return res
}

// assertAttached checks the kernel state of an attachment against its
// result: a macvlan on the master, up, in mode with mtu, with the
// result's MAC address, addresses and routes.
func assertAttached(t *testing.T, res *current.Result, mode string, mtu, masterIndex int) {
	t.Helper()
	intf := res.Interfaces[0]
	want := plugintest.LinkState{Type: "macvlan", MTU: mtu, Up: true}
	gws := map[bool]net.IP{}
	for _, ipc := range res.IPs {
		v4 := ipc.Address.IP.To4() != nil
		subnet := &net.IPNet{IP: ipc.Address.IP.Mask(ipc.Address.Mask), Mask: ipc.Address.Mask}
		want.Addrs = append(want.Addrs, ipc.Address.String())
		if v4 {
			want.Routes = append(want.Routes, fmt.Sprintf("%s src %s scope link", subnet, ipc.Address.IP))
		} else {
			want.Routes = append(want.Routes, subnet.String()+" scope universe")
		}
		gws[v4] = ipc.Gateway
	}
	for _, r := range res.Routes {
		dst := r.Dst.String()
		if ones, _ := r.Dst.Mask.Size(); ones == 0 {
			dst = "default"
		}
		want.Routes = append(want.Routes, fmt.Sprintf("%s via %s scope universe", dst, gws[r.Dst.IP.To4() != nil]))
	}
	slices.Sort(want.Addrs)
	slices.Sort(want.Routes)
	if got := plugintest.StateOf(t, intf.Sandbox, intf.Name); !reflect.DeepEqual(got, want) {
		t.Errorf("macvlan %s:\n got %+v\nwant %+v", intf.Name, got, want)
	}
	gotMode, parent, mac := macvlanOf(t, intf.Sandbox, intf.Name)
	if gotMode != mode || parent != masterIndex || mac != intf.Mac {
		t.Errorf("macvlan %s: mode %s on link %d with MAC %s, want mode %s on link %d with MAC %s",
			intf.Name, gotMode, parent, mac, mode, masterIndex, intf.Mac)
	}
}

// pingEachOther checks that each container reaches every address of the
// other one of the same family.
func pingEachOther(t *testing.T, a, b *current.Result) {
	t.Helper()
	for _, pair := range [][2]*current.Result{{a, b}, {b, a}} {
		for _, ipc := range pair[0].IPs {
			for _, peer := range pair[1].IPs {
				if (peer.Address.IP.To4() == nil) == (ipc.Address.IP.To4() == nil) {
					plugintest.Ping(t, pair[0].Interfaces[0].Sandbox, peer.Address.IP.String())
				}
			}
		}
	}
}
