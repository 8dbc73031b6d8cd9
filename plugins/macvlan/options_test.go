package macvlan_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestDefaultMaster leaves master out: the macvlan goes on the interface
// of the default route.
func TestDefaultMaster(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "mv-default")
	masterIndex := newMaster(t, "", master)
	plugintest.In(t, "", func() error { return defaultRouteVia(master, "10.98.9.1/24", "10.98.9.254") })
	l := e.List("mv-default", "1.0.0", plugintest.Parse(t, `{"type": "macvlan", "ipam": {"type": "host-local", "subnet": "10.98.9.0/24"}}`))
	rt, res := e.Attach(l, "ctr-default", e.Container("mv-default"))
	if _, parent, _ := macvlanOf(t, rt.NetNS, "eth0"); parent != masterIndex {
		t.Fatalf("macvlan on link %d, want the default route's %s (%d)", parent, master, masterIndex)
	}
	assertAttached(t, asCurrent(t, res), "bridge", 1500, masterIndex)
	if err := e.Check(l, rt); err != nil {
		t.Fatalf("CHECK: %v", err)
	}
}

// defaultRouteVia gives the link name the address addr and a default
// route via gw, in the current namespace. Deleting the link removes both.
func defaultRouteVia(name, addr, gw string) error {
	link, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	a, err := netlink.ParseAddr(addr)
	if err != nil {
		return err
	}
	if err := netlink.AddrAdd(link, a); err != nil {
		return err
	}
	return netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.ParseIP(gw)})
}

// TestLinkInContainer puts the master in the container's namespace, named
// or found through the container's default route.
func TestLinkInContainer(t *testing.T) {
	for _, tc := range []struct{ name, master string }{{"named", `"master": "inm0",`}, {"default-route", ""}} {
		for _, v := range []string{"0.3.1", "1.1.0"} {
			t.Run(tc.name+"/"+v, func(t *testing.T) {
				e := newEnv(t, plugintest.Ours, "mv-inside")
				nsPath := e.Container("mv-inside")
				masterIndex := newMaster(t, nsPath, "inm0")
				plugintest.In(t, nsPath, func() error { return defaultRouteVia("inm0", "10.98.10.1/24", "10.98.10.254") })
				l := e.List("mv-inside", v, plugintest.Parse(t, `{"type": "macvlan", `+tc.master+` "linkInContainer": true,
					"ipam": {"type": "host-local", "subnet": "10.98.11.0/24"}}`))
				rt, res := e.Attach(l, "ctr-inside", nsPath)
				assertAttached(t, asCurrent(t, res), "bridge", 1500, masterIndex)
				if plugintest.AtLeast(v, "0.4.0") {
					if err := e.Check(l, rt); err != nil {
						t.Fatalf("CHECK: %v", err)
					}
				}
				e.Del(l, rt)
				if plugintest.LinkExists(t, nsPath, "eth0") {
					t.Fatal("eth0 left after DEL")
				}
			})
		}
	}
}

// TestMacAddress sets the MAC address in the configuration, in CNI_ARGS
// and in runtimeConfig: CNI_ARGS wins over the configuration and
// runtimeConfig over both.
func TestMacAddress(t *testing.T) {
	const conf, args, runtime = "02:98:00:00:00:01", "02:98:00:00:00:02", "02:98:00:00:00:03"
	for _, tc := range []struct {
		name    string
		plugin  string
		args    [][2]string
		capArgs map[string]any
		want    string
	}{
		{"config", `{"type": "macvlan", "master": "mvm0", "mac": "` + conf + `"}`, nil, nil, conf},
		{"cni-args", `{"type": "macvlan", "master": "mvm0", "mac": "` + conf + `"}`,
			[][2]string{{"IgnoreUnknown", "1"}, {"MAC", args}}, nil, args},
		{"runtime-config", `{"type": "macvlan", "master": "mvm0", "mac": "` + conf + `", "capabilities": {"mac": true}}`,
			[][2]string{{"IgnoreUnknown", "1"}, {"MAC", args}}, map[string]any{"mac": runtime}, runtime},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			newMaster(t, "", master)
			l := e.List("mv-mac", "1.0.0", plugintest.Parse(t, tc.plugin))
			nsPath := e.Container("mv-mac")
			rt := &libcni.RuntimeConf{ContainerID: "ctr-mac", NetNS: nsPath, IfName: "eth0", Args: tc.args, CapabilityArgs: tc.capArgs}
			res := e.Add(l, rt)
			if got := asCurrent(t, res).Interfaces[0].Mac; got != tc.want {
				t.Errorf("result says MAC %s, want %s", got, tc.want)
			}
			if _, _, got := macvlanOf(t, nsPath, "eth0"); got != tc.want {
				t.Errorf("macvlan has MAC %s, want %s", got, tc.want)
			}
			if err := e.Check(l, rt); err != nil {
				t.Fatalf("CHECK: %v", err)
			}
		})
	}
}

// TestInvalidConfig makes ADD fail: the error must say why, and nothing
// may be left, which the leak check verifies.
func TestInvalidConfig(t *testing.T) {
	for _, tc := range []struct{ name, plugin, want string }{
		{"mtu above master", `{"type": "macvlan", "master": "mvm0", "mtu": 9000}`, "invalid MTU 9000"},
		{"unknown mode", `{"type": "macvlan", "master": "mvm0", "mode": "hairpin"}`, `unknown macvlan mode: "hairpin"`},
		{"missing master", `{"type": "macvlan", "master": "nosuch0"}`, `failed to lookup master "nosuch0"`},
		{"bad mac", `{"type": "macvlan", "master": "mvm0", "mac": "02:98"}`, `invalid MAC address "02:98"`},
		{"no default route", `{"type": "macvlan"}`, "no default route interface found"},
		{"ipam failure", `{"type": "macvlan", "master": "mvm0", "ipam": {"type": "static"}}`, "IPAM plugin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			newMaster(t, "", master)
			l := e.List("mv-invalid", "1.0.0", plugintest.Parse(t, tc.plugin))
			nsPath := e.Container("mv-invalid")
			_, err := e.CNI.Add(context.Background(), l, &libcni.RuntimeConf{ContainerID: "ctr-invalid", NetNS: nsPath, IfName: "eth0"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ADD: got %v, want an error saying %q", err, tc.want)
			}
			if plugintest.LinkExists(t, nsPath, "eth0") {
				t.Fatal("the failed ADD left eth0")
			}
		})
	}
}
