package bridge_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// wantShape checks the layout of an ADD result printed at cniVersion v:
// bridge, host veth, container interface in its sandbox, and every IP on
// the container interface with the bridge as gateway.
func wantShape(t *testing.T, m map[string]any, v, nsPath, bridge string, gateways ...string) {
	t.Helper()
	if m["cniVersion"] != v {
		t.Errorf("cniVersion %v, want %s", m["cniVersion"], v)
	}
	ifs, _ := m["interfaces"].([]any)
	if len(ifs) != 3 {
		t.Fatalf("want 3 interfaces, got %v", m["interfaces"])
	}
	for i, want := range []struct {
		name, sandbox string
	}{{bridge, ""}, {"veth", ""}, {"eth0", nsPath}} {
		intf := ifs[i].(map[string]any)
		name, _ := intf["name"].(string)
		sandbox, _ := intf["sandbox"].(string)
		if !strings.HasPrefix(name, want.name) || sandbox != want.sandbox {
			t.Errorf("interface %d is %v, want name %s* in sandbox %q", i, intf, want.name, want.sandbox)
		}
		if mac, _ := intf["mac"].(string); len(mac) != 17 {
			t.Errorf("interface %d has MAC %q", i, mac)
		}
	}
	ips, _ := m["ips"].([]any)
	if len(ips) != len(gateways) {
		t.Fatalf("want %d ips, got %v", len(gateways), m["ips"])
	}
	for i, x := range ips {
		ipc := x.(map[string]any)
		if gw, _ := ipc["gateway"].(string); ipc["interface"] != float64(2) || gw != gateways[i] {
			t.Errorf("ip %d is %v, want interface 2 and gateway %s", i, ipc, gateways[i])
		}
		if v == "0.3.1" || v == "0.4.0" {
			want := "4"
			if strings.Contains(gateways[i], ":") {
				want = "6"
			}
			if ipc["version"] != want {
				t.Errorf("ip %d has version %v, want %s", i, ipc["version"], want)
			}
		}
	}
}

// TestAddKernelState attaches a container at every version and checks the
// result and what is in the kernel: bridge with the gateway addresses, MTU,
// veth on the bridge in hairpin mode, container addresses and default
// routes. DEL removes the veth pair and the allocations.
func TestAddKernelState(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "cnib0", "net-add")
			l := list(e, "net-add", v, map[string]any{
				"bridge": "cnib0", "isDefaultGateway": true, "mtu": 1400, "hairpinMode": true,
				"ipam": dualStack("10.50.0.0/24", "fd00:50::/64"),
			})
			nsPath := e.Container("c1")
			rt, res := e.Attach(l, "c1", nsPath)
			wantShape(t, resultJSON(t, res, v), v, nsPath, "cnib0", "10.50.0.1", "fd00:50::1")
			cur := plugintest.AsCurrent(t, res)

			br, err := netlink.LinkByName("cnib0")
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := br.(*netlink.Bridge); !ok || br.Attrs().MTU != 1400 || br.Attrs().Flags&net.FlagUp == 0 {
				t.Errorf("bridge: %T, MTU %d, flags %v", br, br.Attrs().MTU, br.Attrs().Flags)
			}
			wantAddrs(t, br, "10.50.0.1/24", "fd00:50::1/64")
			veth, err := netlink.LinkByName(cur.Interfaces[1].Name)
			if err != nil {
				t.Fatal(err)
			}
			if veth.Attrs().MasterIndex != br.Attrs().Index || veth.Attrs().MTU != 1400 {
				t.Errorf("host veth: master %d (bridge %d), MTU %d", veth.Attrs().MasterIndex, br.Attrs().Index, veth.Attrs().MTU)
			}
			if pi, err := netlinksafe.LinkGetProtinfo(veth); err != nil || !pi.Hairpin {
				t.Errorf("host veth hairpin: %+v, %v", pi, err)
			}
			if fwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); strings.TrimSpace(string(fwd)) != "1" {
				t.Errorf("IPv4 forwarding is %q", fwd)
			}
			plugintest.In(t, nsPath, func() error {
				eth0, err := netlink.LinkByName("eth0")
				if err != nil {
					return err
				}
				if eth0.Attrs().MTU != 1400 || eth0.Attrs().HardwareAddr.String() != cur.Interfaces[2].Mac {
					t.Errorf("eth0: MTU %d, MAC %s, result MAC %s", eth0.Attrs().MTU, eth0.Attrs().HardwareAddr, cur.Interfaces[2].Mac)
				}
				wantAddrs(t, eth0, cur.IPs[0].Address.String(), cur.IPs[1].Address.String())
				wantDefaultRoutes(t, eth0, "10.50.0.1", "fd00:50::1")
				return nil
			})

			e.Del(l, rt)
			if _, err := netlink.LinkByName(cur.Interfaces[1].Name); err == nil {
				t.Error("the host veth is left after DEL")
			}
			plugintest.In(t, nsPath, func() error {
				if _, err := netlink.LinkByName("eth0"); err == nil {
					t.Error("the container interface is left after DEL")
				}
				return nil
			})
			if got := e.Allocations("net-add"); len(got) != 0 {
				t.Errorf("allocations left after DEL: %v", got)
			}
		})
	}
}

// TestPromiscNoGateway attaches in promiscuous mode with the bridge not
// the gateway: it gets no address and the container no default route
// (host-local still reports its range's gateway).
func TestPromiscNoGateway(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib1", "net-promisc")
	l := list(e, "net-promisc", "1.1.0", map[string]any{
		"bridge": "cnib1", "promiscMode": true,
		"ipam": map[string]any{"type": "host-local", "subnet": "10.51.0.0/24"},
	})
	nsPath := e.Container("c1")
	_, res := e.Attach(l, "c1", nsPath)
	wantShape(t, resultJSON(t, res, "1.1.0"), "1.1.0", nsPath, "cnib1", "10.51.0.1")
	br, err := netlink.LinkByName("cnib1")
	if err != nil {
		t.Fatal(err)
	}
	if br.Attrs().Promisc == 0 {
		t.Error("the bridge is not promiscuous")
	}
	wantAddrs(t, br)
	plugintest.In(t, nsPath, func() error {
		eth0, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		wantDefaultRoutes(t, eth0)
		return nil
	})
}

// TestMACFromArgs sets the container's MAC address through CNI_ARGS, the
// configuration's args.cni.mac and runtimeConfig, with the reference's
// precedence: runtimeConfig over args over CNI_ARGS. The result and the
// kernel's eth0 in the container both have it.
func TestMACFromArgs(t *testing.T) {
	const envMAC, argsMAC, rcMAC = "0a:58:00:00:00:01", "0a:58:00:00:00:02", "0a:58:00:00:00:03"
	e := newEnv(t, plugintest.Ours, "cnib2")
	for i, tc := range []struct {
		name    string
		env     string
		argsMAC string
		rcMAC   string
		want    string
	}{
		{"cni-args", envMAC, "", "", envMAC},
		{"args", "", argsMAC, "", argsMAC},
		{"args-over-cni-args", envMAC, argsMAC, "", argsMAC},
		{"runtime-config-over-cni-args", envMAC, "", rcMAC, rcMAC},
		{"runtime-config-over-args", "", argsMAC, rcMAC, rcMAC},
	} {
		id := fmt.Sprintf("c%d", i)
		t.Run(tc.name, func(t *testing.T) {
			conf := map[string]any{"bridge": "cnib2", "capabilities": map[string]any{"mac": true}}
			if tc.argsMAC != "" {
				conf["args"] = map[string]any{"cni": map[string]any{"mac": tc.argsMAC}}
			}
			l := list(e, "net-mac", "1.1.0", conf)
			nsPath := e.Container(id)
			rt := plugintest.RT(id, nsPath)
			if tc.env != "" {
				rt.Args = [][2]string{{"MAC", tc.env}}
			}
			if tc.rcMAC != "" {
				rt.CapabilityArgs = map[string]any{"mac": tc.rcMAC}
			}
			res := e.Add(l, rt)
			if got := plugintest.AsCurrent(t, res).Interfaces[2].Mac; got != tc.want {
				t.Errorf("result: container MAC %s, want %s", got, tc.want)
			}
			if got := containerMAC(t, nsPath); got != tc.want {
				t.Errorf("eth0 in the container has MAC %s, want %s", got, tc.want)
			}
			e.Del(l, rt)
		})
	}
}

// containerMAC returns the MAC address of eth0 in the namespace at nsPath
// as the kernel has it.
func containerMAC(t *testing.T, nsPath string) string {
	t.Helper()
	var mac string
	plugintest.In(t, nsPath, func() error {
		eth0, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		mac = eth0.Attrs().HardwareAddr.String()
		return nil
	})
	return mac
}

// TestDefaultBridgeName attaches with a configuration that names no
// bridge: the plugin creates cni0, puts the host veth on it, makes it the
// gateway and reports it as the result's first interface. DEL removes the
// veth pair and keeps the bridge, as the reference does.
func TestDefaultBridgeName(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cni0", "net-default")
	l := list(e, "net-default", "1.1.0", map[string]any{
		"isGateway": true, "ipam": map[string]any{"type": "host-local", "subnet": "10.58.0.0/24"},
	})
	rt, res := e.Attach(l, "c1", e.Container("c1"))
	cur := plugintest.AsCurrent(t, res)
	if name := cur.Interfaces[0].Name; name != "cni0" {
		t.Errorf("the result's bridge is %q, want cni0", name)
	}
	br, err := netlink.LinkByName("cni0")
	if err != nil {
		t.Fatalf("no bridge cni0: %v", err)
	}
	if _, ok := br.(*netlink.Bridge); !ok {
		t.Fatalf("cni0 is a %s, not a bridge", br.Type())
	}
	if mac := br.Attrs().HardwareAddr.String(); mac != cur.Interfaces[0].Mac {
		t.Errorf("cni0 has MAC %s, the result says %s", mac, cur.Interfaces[0].Mac)
	}
	wantAddrs(t, br, "10.58.0.1/24")
	veth, err := netlink.LinkByName(cur.Interfaces[1].Name)
	if err != nil {
		t.Fatal(err)
	}
	if veth.Attrs().MasterIndex != br.Attrs().Index {
		t.Errorf("host veth %s is on link %d, not on cni0 (%d)", veth.Attrs().Name, veth.Attrs().MasterIndex, br.Attrs().Index)
	}
	e.Del(l, rt)
	if plugintest.LinkExists(t, "", cur.Interfaces[1].Name) {
		t.Error("the host veth is left after DEL")
	}
	if !plugintest.LinkExists(t, "", "cni0") {
		t.Error("DEL removed the bridge")
	}
}

// forceFacts is what TestForceAddress observes of one plugin.
type forceFacts struct {
	// Refused tells whether ADD without forceAddress failed, and
	// Refusal is then the bridge's addresses and the allocations left.
	Refused     bool
	Refusal     []string
	Allocations int
	// Forced is the bridge's addresses after ADD with forceAddress.
	Forced []string
}

// forceCases are the addresses TestForceAddress puts on the bridge first
// (stale), the IPAM ranges of the gateway network and the bridge's
// addresses once forceAddress replaced what overlaps the gateway.
var forceCases = []struct {
	family string
	ranges []any
	stale  []string
	want   []string
}{
	{"ipv4", []any{[]any{map[string]any{"subnet": "10.59.0.0/24"}}}, []string{"10.59.0.100/24"}, []string{"10.59.0.1/24"}},
	{"ipv6", []any{[]any{map[string]any{"subnet": "fd00:59::/64"}}}, []string{"fd00:59::100/64", "fd00:60::1/64"}, []string{"fd00:59::1/64", "fd00:60::1/64"}},
}

// TestForceAddress puts another address of the gateway's subnet on the
// bridge first. ADD with isGateway then fails without forceAddress,
// leaving the address and releasing the allocation; with forceAddress the
// gateway replaces it. An IPv6 address of another subnet stays. The
// reference plugin does the same.
func TestForceAddress(t *testing.T) {
	for _, tc := range forceCases {
		t.Run(tc.family, func(t *testing.T) {
			var ours forceFacts
			plugintest.SameForBoth(t, func(t *testing.T, which plugintest.Impl) any {
				e := newEnv(t, which, "cnib13", "net-force")
				nsPath := e.Container("c1")
				var f forceFacts
				staleBridge(t, "cnib13", tc.stale)
				rt, noForce := plugintest.RT("c1", nsPath), forceList(e, tc.ranges, false)
				_, err := e.CNI.Add(context.Background(), noForce, rt)
				if f.Refused = err != nil; f.Refused && !strings.Contains(err.Error(), "already has an IP address different from") {
					t.Errorf("ADD without forceAddress: %v", err)
				}
				f.Refusal, f.Allocations = globalAddrs(t, "cnib13"), len(e.Allocations("net-force"))
				if !f.Refused {
					e.Del(noForce, rt)
				}
				// The failed ADD left a bridge without a MAC address,
				// which the reference cannot attach to any more:
				// TestAddAfterFailedAdd.
				staleBridge(t, "cnib13", tc.stale)
				e.Attach(forceList(e, tc.ranges, true), "c1", nsPath)
				f.Forced = globalAddrs(t, "cnib13")
				if which == plugintest.Ours {
					ours = f
				}
				return f
			})
			want := forceFacts{Refused: true, Refusal: sorted(tc.stale), Forced: sorted(tc.want)}
			if !reflect.DeepEqual(ours, want) {
				t.Errorf("cnictl: %+v, want %+v", ours, want)
			}
		})
	}
}

// TestAddAfterFailedAdd attaches to a bridge whose only port went with a
// failed ADD before its MAC address was pinned, which left it without
// one: ADD, here with forceAddress after a refusal without, pins the
// address the bridge took from the new port. The reference fails with
// "could not set bridge's mac" (containernetworking/plugins#620).
func TestAddAfterFailedAdd(t *testing.T) {
	tc := forceCases[0]
	e := newEnv(t, plugintest.Ours, "cnib13", "net-force")
	nsPath := e.Container("c1")
	staleBridge(t, "cnib13", tc.stale)
	rt, noForce := plugintest.RT("c1", nsPath), forceList(e, tc.ranges, false)
	if _, err := e.CNI.Add(context.Background(), noForce, rt); err == nil {
		e.Del(noForce, rt)
		t.Fatal("ADD without forceAddress succeeded")
	}
	if mac := bridgeMAC(t, "cnib13"); mac != "" && mac != "00:00:00:00:00:00" {
		t.Fatalf("the bridge kept the MAC address %s: the test proves nothing", mac)
	}
	_, res := e.Attach(forceList(e, tc.ranges, true), "c1", nsPath)
	got := plugintest.AsCurrent(t, res).Interfaces[0].Mac
	if mac := bridgeMAC(t, "cnib13"); mac != got || got == "00:00:00:00:00:00" {
		t.Errorf("bridge MAC address %s, result %s", mac, got)
	}
	if got := globalAddrs(t, "cnib13"); !slices.Equal(got, tc.want) {
		t.Errorf("bridge addresses %v, want %v", got, tc.want)
	}
}

// staleBridge makes the bridge name anew with the addresses stale, down.
func staleBridge(t *testing.T, name string, stale []string) {
	t.Helper()
	if old, err := netlink.LinkByName(name); err == nil {
		if err := netlink.LinkDel(old); err != nil {
			t.Fatal(err)
		}
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
	if err := netlink.LinkAdd(br); err != nil {
		t.Fatal(err)
	}
	for _, a := range stale {
		addr, err := netlink.ParseAddr(a)
		if err != nil {
			t.Fatal(err)
		}
		if err := netlink.AddrAdd(br, addr); err != nil {
			t.Fatal(err)
		}
	}
}

// forceList is the gateway network of TestForceAddress on bridge cnib13
// with the IPAM ranges, with or without forceAddress.
func forceList(e *plugintest.Env, ranges []any, force bool) *libcni.NetworkConfigList {
	return list(e, "net-force", "1.1.0", map[string]any{
		"bridge": "cnib13", "isGateway": true, "forceAddress": force,
		"ipam": map[string]any{"type": "host-local", "ranges": ranges},
	})
}

// bridgeMAC returns the MAC address of the link name, "" for none.
func bridgeMAC(t *testing.T, name string) string {
	t.Helper()
	link, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return link.Attrs().HardwareAddr.String()
}

// globalAddrs lists the global addresses of the link name, sorted.
func globalAddrs(t *testing.T, name string) []string {
	t.Helper()
	link, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := netlinksafe.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range addrs {
		if a.IP.IsGlobalUnicast() {
			out = append(out, a.IPNet.String())
		}
	}
	return sorted(out)
}

// sorted returns a sorted copy of s.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// wantAddrs checks that link's global addresses are exactly want.
func wantAddrs(t *testing.T, link netlink.Link, want ...string) {
	t.Helper()
	if got := globalAddrs(t, link.Attrs().Name); !slices.Equal(got, sorted(want)) {
		t.Errorf("%s has addresses %v, want %v", link.Attrs().Name, got, sorted(want))
	}
}

// wantDefaultRoutes checks that link's default routes go via exactly
// gateways.
func wantDefaultRoutes(t *testing.T, link netlink.Link, gateways ...string) {
	t.Helper()
	routes, err := netlinksafe.RouteList(link, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() {
			if ones, _ := maskSize(r.Dst); ones == 0 && r.Gw != nil {
				got = append(got, r.Gw.String())
			}
		}
	}
	slices.Sort(got)
	slices.Sort(gateways)
	if !slices.Equal(got, gateways) {
		t.Errorf("%s has default routes via %v, want %v", link.Attrs().Name, got, gateways)
	}
}

// maskSize is the prefix length of a route destination; nil is a default
// route.
func maskSize(dst *net.IPNet) (int, int) {
	if dst == nil {
		return 0, 0
	}
	return dst.Mask.Size()
}
