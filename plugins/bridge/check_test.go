package bridge_test

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestCheck runs CHECK after ADD, then after each kind of tampering, each
// on a fresh attachment: CHECK must fail and say what is wrong. CHECK
// exists from cniVersion 0.4.0 on.
func TestCheck(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib7", "net-check")
	l := list(e, "net-check", "1.1.0", masqConf("cnib7"))
	for i, tc := range []struct {
		name   string
		tamper func(t *testing.T, nsPath, hostVeth string)
		want   string
	}{
		{"container address deleted", func(t *testing.T, nsPath, _ string) {
			plugintest.In(t, nsPath, func() error {
				eth0, err := netlink.LinkByName("eth0")
				if err != nil {
					return err
				}
				addrs, err := netlinksafe.AddrList(eth0, netlink.FAMILY_V4)
				if err != nil {
					return err
				}
				return netlink.AddrDel(eth0, &addrs[0])
			})
		}, "10.52.0."},
		{"default route deleted", func(t *testing.T, nsPath, _ string) {
			plugintest.In(t, nsPath, func() error {
				return netlink.RouteDel(&netlink.Route{Dst: &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}})
			})
		}, "Expected Route {Dst:{IP:0.0.0.0"},
		{"host veth detached", func(t *testing.T, _, hostVeth string) {
			run(t, "ip", "link", "set", hostVeth, "nomaster")
		}, "not a port of bridge"},
		{"NAT element deleted", func(t *testing.T, nsPath, _ string) {
			run(t, "nft", "flush", "map", "inet", "cnictl-nat", "masq4")
		}, "missing from map masq4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("c%d", i)
			nsPath := e.Container(id)
			rt, res := e.Attach(l, id, nsPath)
			if err := e.Check(l, rt); err != nil {
				t.Fatalf("CHECK after ADD: %v", err)
			}
			tc.tamper(t, nsPath, plugintest.AsCurrent(t, res).Interfaces[1].Name)
			err := e.Check(l, rt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CHECK after tampering: %v, want an error with %q", err, tc.want)
			}
			e.Del(l, rt)
		})
	}
}

// TestCheckOldVersions runs CHECK at the versions that have it.
func TestCheckOldVersions(t *testing.T) {
	for _, v := range []string{"0.4.0", "1.0.0"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "cnib8", "net-checkv")
			l := list(e, "net-checkv", v, masqConf("cnib8"))
			rt, _ := e.Attach(l, "c1", e.Container("c1"))
			if err := e.Check(l, rt); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// run runs a command and fails t if it fails.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
}
