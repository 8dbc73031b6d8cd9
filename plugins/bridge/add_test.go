package bridge_test

import (
	"net"
	"os"
	"slices"
	"strings"
	"testing"

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
			if pi, err := netlink.LinkGetProtinfo(veth); err != nil || !pi.Hairpin {
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

// TestMACFromArgs sets the container's MAC address through CNI_ARGS and
// through runtimeConfig, which wins.
func TestMACFromArgs(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib2")
	conf := map[string]any{"bridge": "cnib2", "capabilities": map[string]any{"mac": true}}
	l := list(e, "net-mac", "1.1.0", conf)
	for _, tc := range []struct {
		id   string
		args [][2]string
		caps map[string]any
		want string
	}{
		{"c1", [][2]string{{"MAC", "0a:58:00:00:00:01"}}, nil, "0a:58:00:00:00:01"},
		{"c2", [][2]string{{"MAC", "0a:58:00:00:00:01"}}, map[string]any{"mac": "0a:58:00:00:00:02"}, "0a:58:00:00:00:02"},
	} {
		nsPath := e.Container(tc.id)
		rt := &libcni.RuntimeConf{ContainerID: tc.id, NetNS: nsPath, IfName: "eth0", Args: tc.args, CapabilityArgs: tc.caps}
		res := e.Add(l, rt)
		if got := plugintest.AsCurrent(t, res).Interfaces[2].Mac; got != tc.want {
			t.Errorf("%s: container MAC %s, want %s", tc.id, got, tc.want)
		}
		e.Del(l, rt)
	}
}

// wantAddrs checks that link's global addresses are exactly want.
func wantAddrs(t *testing.T, link netlink.Link, want ...string) {
	t.Helper()
	addrs, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range addrs {
		if a.IP.IsGlobalUnicast() {
			got = append(got, a.IPNet.String())
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s has addresses %v, want %v", link.Attrs().Name, got, want)
	}
}

// wantDefaultRoutes checks that link's default routes go via exactly
// gateways.
func wantDefaultRoutes(t *testing.T, link netlink.Link, gateways ...string) {
	t.Helper()
	routes, err := netlink.RouteList(link, netlink.FAMILY_ALL)
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
