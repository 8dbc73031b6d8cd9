package bridge_test

import (
	"net"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// setMAC sets the MAC address of eth0 in the namespace at nsPath.
func setMAC(t *testing.T, nsPath string, mac net.HardwareAddr) {
	t.Helper()
	plugintest.In(t, nsPath, func() error {
		eth0, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		return netlink.LinkSetHardwareAddr(eth0, mac)
	})
}

// TestMacSpoofCheck attaches two containers with macspoofchk: they reach
// each other until the first one changes its MAC address, and again once
// it changes it back. CHECK verifies the elements, and DEL removes them,
// the last DEL the whole table.
func TestMacSpoofCheck(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib12", "net-spoof")
	l := list(e, "net-spoof", "1.1.0", map[string]any{
		"bridge": "cnib12", "isGateway": true, "macspoofchk": true,
		"ipam": map[string]any{"type": "host-local", "subnet": "10.56.0.0/24"},
	})
	ns1, ns2 := e.Container("c1"), e.Container("c2")
	rt1, r1 := e.Attach(l, "c1", ns1)
	rt2, _ := e.Attach(l, "c2", ns2)
	ruleset := plugintest.Ruleset(t)
	for _, want := range []string{"table bridge cnictl-macspoof", "iifname @ports iifname . ether saddr != @allowed drop", `comment "net-spoof c2 eth0"`} {
		if !strings.Contains(ruleset, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, ruleset)
		}
	}
	mac, err := net.ParseMAC(plugintest.AsCurrent(t, r1).Interfaces[2].Mac)
	if err != nil {
		t.Fatal(err)
	}
	if err := plugintest.Reach(ns1, "10.56.0.3"); err != nil {
		t.Fatal(err)
	}
	setMAC(t, ns1, net.HardwareAddr{0x0a, 0x58, 0xde, 0xad, 0xbe, 0xef})
	if err := plugintest.PingOnce(ns1, "10.56.0.3"); err == nil {
		t.Error("a container with a spoofed MAC address reached the other")
	}
	setMAC(t, ns1, mac)
	if err := plugintest.Reach(ns1, "10.56.0.3"); err != nil {
		t.Error(err)
	}

	if err := e.Check(l, rt1); err != nil {
		t.Errorf("CHECK: %v", err)
	}
	run(t, "nft", "flush", "set", "bridge", "cnictl-macspoof", "allowed")
	if err := e.Check(l, rt1); err == nil || !strings.Contains(err.Error(), "is not checked") {
		t.Errorf("CHECK without the allowed elements: %v", err)
	}
	e.Del(l, rt1)
	if got := plugintest.Ruleset(t); strings.Contains(got, "net-spoof c1") || !strings.Contains(got, "net-spoof c2") {
		t.Errorf("after DEL of c1:\n%s", got)
	}
	e.Del(l, rt2)
	if got := plugintest.Ruleset(t); strings.TrimSpace(got) != "" {
		t.Errorf("after the last DEL:\n%s", got)
	}
}
