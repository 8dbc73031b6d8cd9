package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/cache"
	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/libcni"
)

func TestNetCreateAndRm(t *testing.T) {
	hermetic.Require(t)
	confDir, cacheDir := t.TempDir(), t.TempDir()
	g := []string{"--conf-dir", confDir, "--cache-dir", cacheDir}
	cnictl := func(args ...string) (string, string, int) {
		return runCnictl(t, append(append([]string{}, g...), args...)...)
	}

	if _, stderr, code := cnictl("net", "create", "web", "--subnet", "10.30.0.0/24", "--isolated", "--mtu", "1400"); code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	list, err := libcni.ConfListFromFile(filepath.Join(confDir, "web.conflist"))
	if err != nil {
		t.Fatalf("the written file does not load: %v", err)
	}
	if got := strings.Join(pluginTypes(list), ","); got != "bridge,portmap,firewall,tuning,bandwidth,loopback" {
		t.Fatalf("chain %s", got)
	}
	var bridge, firewall map[string]any
	json.Unmarshal(list.Plugins[0].Bytes, &bridge)
	json.Unmarshal(list.Plugins[2].Bytes, &firewall)
	if bridge["bridge"] != "cni-web" || bridge["ipMasq"] != true || bridge["mtu"] != float64(1400) || firewall["ingressPolicy"] != "isolated" {
		t.Fatalf("bridge %v firewall %v", bridge, firewall)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"web", "--subnet", "10.31.0.0/24"}, `network "web" exists already`},
		{[]string{"web2", "--subnet", "10.30.0.128/25"}, "overlaps 10.30.0.0/24"},
		{[]string{"web3"}, "needs --subnet"},
		{[]string{"web4", "--subnet", "10.32.0.0/24", "--driver", "vxlan"}, `--driver "vxlan"`},
		{[]string{"web5", "--subnet", "10.33.0.0/24", "--gateway", "10.34.0.1"}, "not an address in 10.33.0.0/24"},
		{[]string{"bad/name", "--subnet", "10.35.0.0/24"}, "network name"},
	} {
		_, stderr, code := cnictl(append([]string{"net", "create"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("create %v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
	// A subnet that a host route covers is refused too.
	addRoute(t, "10.40.0.0/16")
	if _, stderr, code := cnictl("net", "create", "routed", "--subnet", "10.40.1.0/24"); code != exitUsage || !strings.Contains(stderr, "overlaps 10.40.0.0/16") {
		t.Errorf("overlap with a host route: %d %s", code, stderr)
	}

	if _, stderr, code := cnictl("net", "create", "lan", "--driver", "macvlan", "--subnet", "192.168.50.0/24", "--ip-range", "192.168.50.128/25"); code != 0 {
		t.Fatal(stderr)
	}
	lan, err := libcni.ConfListFromFile(filepath.Join(confDir, "lan.conflist"))
	if err != nil {
		t.Fatal(err)
	}
	var mv map[string]map[string]any
	json.Unmarshal(lan.Plugins[0].Bytes, &mv)
	if mv["ipam"]["rangeStart"] != "192.168.50.129" || mv["ipam"]["rangeEnd"] != "192.168.50.254" {
		t.Fatalf("ip range %v", mv["ipam"])
	}

	// rm refuses while an attachment exists, --force deletes it first
	// (the plugins are not installed, so the DEL itself fails here; a
	// pending entry of a network without plugins shows the refusal).
	store := cache.New(cacheDir)
	if err := store.Put(&cache.Entry{ContainerID: "c1", IfName: "eth0", NetworkName: "lan", Config: lan.Bytes}); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := cnictl("net", "rm", "lan"); code != exitAttachment || !strings.Contains(stderr, "1 attachment(s)") {
		t.Fatalf("rm with an attachment: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(confDir, "lan.conflist")); err != nil {
		t.Fatal("rm removed the file despite the refusal")
	}
	store.Remove(cache.Key{Network: "lan", ContainerID: "c1", IfName: "eth0"})
	if _, stderr, code := cnictl("net", "rm", "lan"); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := cnictl("net", "rm", "cnictl"); code != exitUsage || !strings.Contains(stderr, "built in") {
		t.Fatalf("rm of the built-in network: %d %s", code, stderr)
	}
}

func TestBuiltinNetworkAvoidsHostRoutes(t *testing.T) {
	hermetic.Require(t)
	addRoute(t, "10.89.0.0/16")
	cat, err := libcni.LoadDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	list, err := builtinNetwork(cat)
	if err != nil {
		t.Fatal(err)
	}
	subnets := networkSubnets(list)
	if len(subnets) != 1 || subnets[0].String() != "10.90.0.0/16" {
		t.Fatalf("built-in subnet %v, want the first candidate no route covers", subnets)
	}
	if got := strings.Join(pluginTypes(list), ","); got != "bridge,portmap,firewall,tuning,bandwidth,loopback" || list.Source != builtinSource {
		t.Fatalf("built-in network %s from %s", got, list.Source)
	}
	var bridge map[string]any
	if err := json.Unmarshal(list.Plugins[0].Bytes, &bridge); err != nil {
		t.Fatal(err)
	}
	if bridge["bridge"] != builtinBridge || bridge["isGateway"] != true || bridge["ipMasq"] != true {
		t.Errorf("built-in bridge plugin %v, want bridge %s with isGateway and ipMasq", bridge, builtinBridge)
	}
}

// TestBuiltinNetworkBesideOthers checks that the built-in network is there
// when the configuration directory holds other networks but none named
// cnictl, and that a file named cnictl takes its place.
func TestBuiltinNetworkBesideOthers(t *testing.T) {
	hermetic.Require(t)
	confDir := t.TempDir()
	g := []string{"--conf-dir", confDir, "--cache-dir", t.TempDir(), "-o", "json"}
	if _, stderr, code := runCnictl(t, append(g, "net", "create", "other", "--subnet", "10.60.0.0/24")...); code != 0 {
		t.Fatal(stderr)
	}
	source := func() string {
		t.Helper()
		stdout, stderr, code := runCnictl(t, append(g, "net", "ls")...)
		if code != 0 {
			t.Fatal(stderr)
		}
		var ls struct {
			Networks []struct {
				Name, File string
			} `json:"networks"`
		}
		if err := json.Unmarshal([]byte(stdout), &ls); err != nil {
			t.Fatalf("net ls: %v\n%s", err, stdout)
		}
		for _, n := range ls.Networks {
			if n.Name == builtinName {
				return n.File
			}
		}
		return ""
	}
	if got := source(); got != builtinSource {
		t.Errorf("network cnictl beside another network comes from %q, want %q", got, builtinSource)
	}
	if stdout, stderr, code := runCnictl(t, append(g, "net", "create", builtinName, "--subnet", "10.61.0.0/24")...); code != 0 {
		t.Fatalf("net create cnictl: exit %d\n%s%s", code, stdout, stderr)
	}
	if got, want := source(), filepath.Join(confDir, "cnictl.conflist"); got != want {
		t.Errorf("network cnictl comes from %q once a file defines it, want %q", got, want)
	}
}

// addRoute routes dst through a veth pair made for the test.
func addRoute(t *testing.T, dst string) {
	t.Helper()
	digits := strings.ReplaceAll(strings.Split(dst, "/")[0], ".", "")
	name := "rt" + digits[:min(len(digits), 10)]
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: name + "p"}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netlink.LinkDel(veth) })
	link, _ := netlink.LinkByName(name)
	if err := netlink.LinkSetUp(link); err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR(dst)
	if err := netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Dst: n}); err != nil {
		t.Fatal(err)
	}
}

// TestNetCreateOptions checks what --driver ptp, --internal and --gateway
// write, and that creating leaves no temporary file in the directory.
func TestNetCreateOptions(t *testing.T) {
	hermetic.Require(t)
	confDir := t.TempDir()
	create := func(name string, args ...string) map[string]any {
		t.Helper()
		args = append([]string{"--conf-dir", confDir, "--cache-dir", t.TempDir(), "net", "create", name}, args...)
		if _, stderr, code := runCnictl(t, args...); code != 0 {
			t.Fatalf("net create %v: exit %d: %s", args, code, stderr)
		}
		list, err := libcni.ConfListFromFile(filepath.Join(confDir, name+".conflist"))
		if err != nil {
			t.Fatalf("the written file does not load: %v", err)
		}
		var main map[string]any
		if err := json.Unmarshal(list.Plugins[0].Bytes, &main); err != nil {
			t.Fatal(err)
		}
		return main
	}

	ptp := create("routed", "--driver", "ptp", "--subnet", "10.50.0.0/24", "--mtu", "1300")
	if ptp["type"] != "ptp" || ptp["ipMasq"] != true || ptp["mtu"] != float64(1300) {
		t.Errorf("--driver ptp wrote %v", ptp)
	}

	internal := create("back", "--subnet", "10.51.0.0/24", "--internal", "--gateway", "10.51.0.254")
	ipam, _ := internal["ipam"].(map[string]any)
	if internal["ipMasq"] != false || internal["isGateway"] != false {
		t.Errorf("--internal: bridge %v, want ipMasq and isGateway false", internal)
	}
	if _, ok := ipam["routes"]; ok {
		t.Errorf("--internal wrote routes: %v", ipam)
	}
	if ipam["gateway"] != "10.51.0.254" {
		t.Errorf("--gateway: ipam %v", ipam)
	}

	entries, err := os.ReadDir(confDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "back.conflist,routed.conflist" {
		t.Errorf("the configuration directory holds %v, want the two conflists only", names)
	}
}
