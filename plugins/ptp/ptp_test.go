package ptp_test

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

// ptpCase is a ptp plugin configuration and what the first container
// attached with it gets.
type ptpCase struct {
	name string
	// plugin is the plugin's configuration.
	plugin string
	// mtu is the MTU both ends of the veth pair get.
	mtu int
	// want is the first container's result, normalised, in the layout
	// of cniVersion 1.0.0.
	want string
	// versions are the cniVersions to run at; nil means all. IPv6 costs
	// a second or two of duplicate address detection per container.
	versions []string
}

var cases = []ptpCase{
	{
		name: "ipv4",
		plugin: `{"type": "ptp", "ipam": {"type": "host-local", "subnet": "10.97.1.0/24",
			"routes": [{"dst": "0.0.0.0/0"}]}}`,
		mtu: 1500,
		want: `{"interfaces": [{"name": "<veth>", "mac": "<mac>"}, {"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}],
			"ips": [{"interface": 1, "address": "10.97.1.2/24", "gateway": "10.97.1.1"}],
			"routes": [{"dst": "0.0.0.0/0"}]}`,
	},
	{
		name: "mtu-dns",
		plugin: `{"type": "ptp", "mtu": 1400, "dns": {"nameservers": ["10.97.2.53"], "search": ["example.test"]},
			"ipam": {"type": "host-local", "subnet": "10.97.2.0/24", "gateway": "10.97.2.254"}}`,
		mtu: 1400,
		want: `{"interfaces": [{"name": "<veth>", "mac": "<mac>"}, {"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}],
			"ips": [{"interface": 1, "address": "10.97.2.1/24", "gateway": "10.97.2.254"}],
			"dns": {"nameservers": ["10.97.2.53"], "search": ["example.test"]}}`,
	},
	{
		name: "dual-stack",
		plugin: `{"type": "ptp", "ipam": {"type": "host-local",
			"ranges": [[{"subnet": "10.97.3.0/24"}], [{"subnet": "fd97:3::/64"}]],
			"routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}}`,
		mtu: 1500,
		want: `{"interfaces": [{"name": "<veth>", "mac": "<mac>"}, {"name": "eth0", "mac": "<mac>", "sandbox": "<netns>"}],
			"ips": [{"interface": 1, "address": "10.97.3.2/24", "gateway": "10.97.3.1"},
				{"interface": 1, "address": "fd97:3::2/64", "gateway": "fd97:3::1"}],
			"routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}`,
		versions: []string{"0.3.1", "1.1.0"},
	},
}

// runVersions are the cniVersions the case runs at.
func (c ptpCase) runVersions() []string {
	if c.versions == nil {
		return versions
	}
	return c.versions
}

// conf parses the case's plugin configuration.
func (c ptpCase) conf(t *testing.T) map[string]any {
	t.Helper()
	return plugintest.Parse(t, c.plugin)
}

func TestAddCheckDel(t *testing.T) {
	for _, c := range cases {
		for _, v := range c.runVersions() {
			t.Run(c.name+"/"+v, func(t *testing.T) {
				e := newEnv(t, plugintest.Ours, "ptp-"+c.name)
				l := e.List("ptp-"+c.name, v, c.conf(t))
				nsA, nsB := e.Container("ptp-a"), e.Container("ptp-b")
				rtA, resA := e.Attach(l, "ctr-a", nsA)
				if got := plugintest.PrintedVersion(t, e.Printed("ptp", "ADD")); got != v {
					t.Fatalf("ADD printed a result of version %s, want %s", got, v)
				}
				plugintest.SameResult(t, e.Printed("ptp", "ADD"), plugintest.WantResult(t, c.want, v))
				rtB, resB := e.Attach(l, "ctr-b", nsB)
				a, b := asCurrent(t, resA), asCurrent(t, resB)
				assertAttached(t, a, c.mtu)
				assertAttached(t, b, c.mtu)
				pingEachOther(t, nsA, a, nsB, b)
				if plugintest.AtLeast(v, "0.4.0") {
					if err := e.Check(l, rtA); err != nil {
						t.Fatalf("CHECK of a fresh attachment: %v", err)
					}
				}
				e.Del(l, rtB)
				e.Del(l, rtA)
				assertDetached(t, a)
				assertDetached(t, b)
				e.Del(l, rtA) // DEL is idempotent
			})
		}
	}
}

// asCurrent converts a result to the current version and checks that it
// lists both ends of the veth pair.
func asCurrent(t *testing.T, r types.Result) *current.Result {
	t.Helper()
	res := plugintest.AsCurrent(t, r)
	if len(res.Interfaces) != 2 || res.Interfaces[1].Sandbox == "" {
		t.Fatalf("result should list the host end and the container end: %+v", res.Interfaces)
	}
	return res
}

// hostNet is addr as a /32 or /128.
func hostNet(addr net.IP) string {
	if addr.To4() != nil {
		return addr.String() + "/32"
	}
	return addr.String() + "/128"
}

// assertAttached checks the kernel state of an attachment against its
// result: the container end holds the addresses and reaches everything
// through the gateway; the host end holds the gateways and routes to the
// container.
func assertAttached(t *testing.T, res *current.Result, mtu int) {
	t.Helper()
	host, cont := res.Interfaces[0], res.Interfaces[1]
	var want, wantHost plugintest.LinkState
	want = plugintest.LinkState{Type: "veth", MTU: mtu, Up: true}
	wantHost = plugintest.LinkState{Type: "veth", MTU: mtu, Up: true}
	gws := map[bool]net.IP{}
	for _, ipc := range res.IPs {
		v4 := ipc.Address.IP.To4() != nil
		// IPv6 routes have no scope: the kernel reports universe.
		link, host := "link", "host"
		if !v4 {
			link, host = "universe", "universe"
			// The kernel routes the prefix of every IPv6 address,
			// even of a /128.
			wantHost.Routes = append(wantHost.Routes, hostNet(ipc.Gateway)+" scope universe")
		}
		subnet := &net.IPNet{IP: ipc.Address.IP.Mask(ipc.Address.Mask), Mask: ipc.Address.Mask}
		want.Addrs = append(want.Addrs, ipc.Address.String())
		want.Routes = append(want.Routes,
			fmt.Sprintf("%s src %s scope %s", hostNet(ipc.Gateway), ipc.Address.IP, link),
			fmt.Sprintf("%s via %s src %s scope universe", subnet, ipc.Gateway, ipc.Address.IP))
		wantHost.Addrs = append(wantHost.Addrs, hostNet(ipc.Gateway))
		wantHost.Routes = append(wantHost.Routes, hostNet(ipc.Address.IP)+" scope "+host)
		gws[v4] = ipc.Gateway
	}
	for _, r := range res.Routes {
		dst := r.Dst.String()
		if ones, _ := r.Dst.Mask.Size(); ones == 0 {
			dst = "default"
		}
		want.Routes = append(want.Routes, fmt.Sprintf("%s via %s scope universe", dst, gws[r.Dst.IP.To4() != nil]))
	}
	for _, s := range []*plugintest.LinkState{&want, &wantHost} {
		slices.Sort(s.Addrs)
		slices.Sort(s.Routes)
	}
	if got := plugintest.StateOf(t, cont.Sandbox, cont.Name); !reflect.DeepEqual(got, want) {
		t.Errorf("container end %s:\n got %+v\nwant %+v", cont.Name, got, want)
	}
	if got := plugintest.StateOf(t, "", host.Name); !reflect.DeepEqual(got, wantHost) {
		t.Errorf("host end %s:\n got %+v\nwant %+v", host.Name, got, wantHost)
	}
}

// assertDetached fails t if either end of an attachment's veth pair is
// left.
func assertDetached(t *testing.T, res *current.Result) {
	t.Helper()
	host, cont := res.Interfaces[0], res.Interfaces[1]
	if plugintest.LinkExists(t, "", host.Name) {
		t.Errorf("host end %s left after DEL", host.Name)
	}
	if plugintest.LinkExists(t, cont.Sandbox, cont.Name) {
		t.Errorf("container end %s left after DEL", cont.Name)
	}
}

// pingEachOther checks that each container reaches its gateways and every
// address of the other one of the same family.
func pingEachOther(t *testing.T, nsA string, a *current.Result, nsB string, b *current.Result) {
	t.Helper()
	for _, pair := range []struct {
		from     string
		src, dst *current.Result
	}{{nsA, a, b}, {nsB, b, a}} {
		for _, ipc := range pair.src.IPs {
			plugintest.Ping(t, pair.from, ipc.Gateway.String())
			for _, peer := range pair.dst.IPs {
				if (peer.Address.IP.To4() == nil) == (ipc.Address.IP.To4() == nil) {
					plugintest.Ping(t, pair.from, peer.Address.IP.String())
				}
			}
		}
	}
}
