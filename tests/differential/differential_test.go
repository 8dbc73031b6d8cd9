// Package differential runs every configuration in testdata/differential
// through the reference plugins and through cnictl's bundled plugins, and
// compares results, connectivity and clean-up.
package differential

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/version"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

const casesDir = "../../testdata/differential"

// testOptions is the optional "x-test" object of a case (see the README
// in casesDir).
type testOptions struct {
	Ping   *bool  `json:"ping"`
	Master string `json:"master"`
	// RuntimeConfig is container 0's RuntimeConf.CapabilityArgs.
	RuntimeConfig map[string]any `json:"runtimeConfig"`
	// Publish probes container 0's portMappings.
	Publish bool `json:"publish"`
	// Sysctls are the values every container must read.
	Sysctls map[string]string `json:"sysctls"`
	// Link is what every container's interface must look like.
	Link *linkOptions `json:"link"`
	// Qdisc compares the traffic control of the host-side links.
	Qdisc bool `json:"qdisc"`
	// ForwardDrop sets the policy of iptables' FORWARD chain to DROP.
	ForwardDrop bool `json:"forwardDrop"`
	// Outside attaches a peer namespace behind the host.
	Outside bool `json:"outside"`
	// BridgeNetfilter sends bridged traffic through the forward hook.
	BridgeNetfilter bool `json:"bridgeNetfilter"`
	// PeersIsolated expects the containers not to reach each other.
	PeersIsolated bool `json:"peersIsolated"`
}

// observation is what one run produced: the printed result of each
// container and the effects seen in the kernel, keyed by descriptions
// that do not depend on the run.
type observation struct {
	results [][]byte
	effects map[string]string
}

// containers is how many containers each run attaches.
const containers = 2

func TestReferenceAndBundledAgree(t *testing.T) {
	hermetic.Require(t)
	files, err := filepath.Glob(filepath.Join(casesDir, "*.conflist"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases in %s: %v", casesDir, err)
	}
	reference := testbin.Reference(t, "bridge", "host-local", "loopback", "ptp", "macvlan", "static",
		"portmap", "firewall", "tuning", "bandwidth")
	bundled := testbin.Bundled(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".conflist"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			opts := options(t, raw)
			want := run(t, "reference", reference, raw, opts)
			got := run(t, "bundled", bundled, raw, opts)
			for i := range want.results {
				// A MAC address set through runtimeConfig is the same in
				// both runs and must be reported.
				keepMAC := i == 0 && opts.RuntimeConfig["mac"] != nil
				if !reflect.DeepEqual(normalise(t, want.results[i], keepMAC), normalise(t, got.results[i], keepMAC)) {
					t.Errorf("container %d: results differ\nreference: %s\nbundled:   %s", i, want.results[i], got.results[i])
				}
			}
			publishedThroughDrop(t, opts, raw, want.effects, got.effects)
			compareEffects(t, want.effects, got.effects)
		})
	}
}

// run attaches containers with the plugins in pluginDir, checks
// connectivity, CHECK and the effects the options ask for, deletes
// everything, and returns what it saw. Both runs use the same container
// IDs, so that names derived from them (bandwidth's ifb) can be compared.
func run(t *testing.T, label, pluginDir string, raw []byte, opts testOptions) observation {
	t.Helper()
	work := t.TempDir()
	cacheDir, dataDir := filepath.Join(work, "cache"), filepath.Join(work, "ipam")
	resetHost(t)
	setBridgeNetfilter(t, opts.BridgeNetfilter)
	if opts.Master != "" {
		makeMaster(t, opts.Master)
	}
	if opts.ForwardDrop {
		setForwardPolicy(t, "DROP")
	}
	var peer *outside
	if opts.Outside {
		peer = newOutside(t, label)
	}
	watched := append([]string{cacheDir, dataDir}, stateDirs...)
	before := hermetic.Take(t, watched...)
	// Deferred first, so it runs after every DEL below.
	defer func() {
		// The reference and bundled bridge plugins keep the bridge device
		// after the last DEL; everything else must be gone.
		removeBridges(t)
		if opts.Master != "" {
			removeLink(opts.Master)
		}
		if peer != nil {
			peer.remove(t)
		}
		if label == "bundled" {
			compare(t, before, hermetic.Take(t, watched...))
		}
		if opts.ForwardDrop {
			setForwardPolicy(t, "ACCEPT")
		}
	}()
	cni := libcni.New(libcni.WithPluginDirs(pluginDir), libcni.WithCacheDir(cacheDir), libcni.WithStderr(nil))
	netns := netnsmgr.New("")
	obs := observation{effects: map[string]string{}}
	var rts []*libcni.RuntimeConf
	var addrs [][]string
	tbfs := 0
	for i := 0; i < containers; i++ {
		conf := substitute(raw, dataDir, i)
		list, err := libcni.ConfListFromBytes(conf)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%s-%d", label, i)
		path, err := netns.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		defer netns.Delete(name)
		rt := &libcni.RuntimeConf{ContainerID: fmt.Sprintf("diff-%d", i), NetNS: path, IfName: "eth0"}
		if i == 0 {
			rt.CapabilityArgs = options(t, conf).RuntimeConfig
		}
		res, err := cni.Add(context.Background(), list, rt)
		if err != nil {
			t.Fatalf("%s: ADD: %v", label, err)
		}
		defer func() {
			if err := cni.Del(context.Background(), list, rt); err != nil {
				t.Errorf("%s: DEL: %v", label, err)
			}
		}()
		if ok, _ := version.GreaterThanOrEqualTo(list.CNIVersion, "0.4.0"); ok {
			if err := cni.Check(context.Background(), list, rt); err != nil {
				t.Errorf("%s: CHECK of a fresh attachment: %v", label, err)
			}
		}
		data, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		obs.results = append(obs.results, data)
		rts = append(rts, rt)
		addrs = append(addrs, ipv4s(t, data))
		checkSysctls(t, label, path, opts.Sysctls)
		checkLink(t, label, path, rt, opts.Link)
		if opts.Qdisc {
			tbfs += observeShaping(t, i, data, obs.effects)
		}
	}
	if opts.Ping == nil || *opts.Ping {
		checkPings(t, label, rts, obs.results, addrs, peer != nil, opts.PeersIsolated)
	}
	if opts.Qdisc && tbfs == 0 {
		t.Errorf("%s: no tbf qdisc on any host-side link", label)
	}
	if peer != nil {
		peer.observe(t, label, addrs[0][0], opts.ForwardDrop, obs.effects)
	}
	if opts.Publish {
		publish(t, label, rts, obs.results, peer, obs.effects)
	}
	return obs
}

// checkPings fails t unless every container answers pings to its
// gateways, to the outside peer if there is one and to its neighbour, or
// with isolated does not reach its neighbour.
func checkPings(t *testing.T, label string, rts []*libcni.RuntimeConf, results [][]byte, addrs [][]string, outside, isolated bool) {
	t.Helper()
	for i, rt := range rts {
		targets := gateways(t, results[i])
		if outside {
			targets = append(targets, outsidePeerAddr)
		}
		neighbour := addrs[(i+1)%len(addrs)][0]
		if isolated {
			if _, err := pings(rt.NetNS, neighbour, 1); err == nil {
				t.Errorf("%s: container %d reaches its isolated neighbour %s", label, i, neighbour)
			}
		} else {
			targets = append(targets, neighbour)
		}
		for _, ip := range targets {
			ping(t, label, rt.NetNS, ip)
		}
	}
}

// stateDirs are where plugins keep state outside the cache and IPAM
// directories: the bundled plugins' nftables state and the tuning backups
// (both plugins' default dataDir). The bundled run must leave them as it
// found them.
var stateDirs = []string{"/var/lib/cni/cnictl", "/run/cni/tuning"}

// options returns the "x-test" object of a conflist.
func options(t *testing.T, conf []byte) testOptions {
	t.Helper()
	var c struct {
		X testOptions `json:"x-test"`
	}
	if err := json.Unmarshal(conf, &c); err != nil {
		t.Fatalf("decoding x-test: %v", err)
	}
	return c.X
}

// substitute replaces the placeholders of raw for container i of a run
// whose host-local data directory is dataDir.
func substitute(raw []byte, dataDir string, i int) []byte {
	return []byte(strings.NewReplacer("@DATADIR@", dataDir, "@N@", fmt.Sprint(10+i)).Replace(string(raw)))
}

// compareEffects fails t for every effect the two runs saw differently.
func compareEffects(t *testing.T, want, got map[string]string) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			t.Errorf("%s:\nreference: %s\nbundled:   %s", k, want[k], got[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s:\nreference: (nothing)\nbundled:   %s", k, got[k])
		}
	}
}

// resetHost empties the firewall of the private namespace: the reference
// masquerade leaves empty iptables chains behind.
func resetHost(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("nft", "flush", "ruleset").CombinedOutput(); err != nil {
		t.Fatalf("nft flush ruleset: %v: %s", err, out)
	}
}

// makeMaster creates a veth pair, both ends up, to serve as master.
func makeMaster(t *testing.T, name string) {
	t.Helper()
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: name + "p"}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{name, name + "p"} {
		l, err := netlink.LinkByName(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := netlink.LinkSetUp(l); err != nil {
			t.Fatal(err)
		}
	}
}

// removeLink deletes the link name if it exists.
func removeLink(name string) {
	if l, err := netlink.LinkByName(name); err == nil {
		netlink.LinkDel(l)
	}
}

// removeBridges deletes every bridge of the private namespace.
func removeBridges(t *testing.T) {
	links, err := netlinksafe.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if l.Type() == "bridge" {
			netlink.LinkDel(l)
		}
	}
}

// compare fails t for every link, address, file, netns and nftables
// change that after holds and before does not: what the bundled run
// leaked.
func compare(t *testing.T, before, after hermetic.Snapshot) {
	t.Helper()
	diff := func(what string, b, a []string) {
		set := map[string]bool{}
		for _, x := range b {
			set[x] = true
		}
		for _, x := range a {
			if !set[x] {
				t.Errorf("bundled plugins leaked %s %s", what, x)
			}
		}
	}
	diff("link", before.Links, after.Links)
	diff("address", before.Addrs, after.Addrs)
	diff("file", before.Files, allocationsAndEntries(after.Files))
	diff("netns", before.Netns, after.Netns)
	if before.Ruleset != after.Ruleset {
		t.Errorf("bundled plugins leaked nftables state:\n%s", after.Ruleset)
	}
}

// allocationsAndEntries drops the files that stay by design: cnictl's
// network lock file and host-local's lock and last-reserved-IP cursor
// files (the reference on-disk format). IP allocations and cache entries
// remain and count as leaks.
func allocationsAndEntries(files []string) []string {
	var out []string
	for _, f := range files {
		base := filepath.Base(f)
		if base == "networks.lock" || base == "lock" || strings.HasPrefix(base, "last_reserved_ip.") {
			continue
		}
		out = append(out, f)
	}
	return out
}

// normalise drops what legitimately differs between two runs: MAC
// addresses (but those of sandbox interfaces if keepMAC), veth names and
// namespace paths.
func normalise(t *testing.T, data []byte, keepMAC bool) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	ifaces, _ := m["interfaces"].([]any)
	for _, i := range ifaces {
		iface := i.(map[string]any)
		s, _ := iface["sandbox"].(string)
		if s == "" || !keepMAC {
			delete(iface, "mac")
		}
		if s != "" {
			iface["sandbox"] = "<netns>"
		}
		if n, _ := iface["name"].(string); strings.HasPrefix(n, "veth") {
			iface["name"] = "veth*"
		}
	}
	return m
}

// ipv4s returns the IPv4 addresses of a printed result; it fails t if
// there is none.
func ipv4s(t *testing.T, data []byte) []string {
	t.Helper()
	var res struct {
		IPs []struct {
			Address string `json:"address"`
		} `json:"ips"`
	}
	json.Unmarshal(data, &res)
	var out []string
	for _, ip := range res.IPs {
		a, _, err := net.ParseCIDR(ip.Address)
		if err == nil && a.To4() != nil {
			out = append(out, a.String())
		}
	}
	if len(out) == 0 {
		t.Fatalf("no IPv4 address in %s", data)
	}
	return out
}

// gateways returns the IPv4 gateways of a printed result.
func gateways(t *testing.T, data []byte) []string {
	var res struct {
		IPs []struct {
			Gateway string `json:"gateway"`
		} `json:"ips"`
	}
	json.Unmarshal(data, &res)
	var out []string
	for _, ip := range res.IPs {
		if g := net.ParseIP(ip.Gateway); g != nil && g.To4() != nil {
			out = append(out, g.String())
		}
	}
	return out
}

// ping fails t unless ip answers a ping from the namespace at nsPath.
func ping(t *testing.T, label, nsPath, ip string) {
	t.Helper()
	if out, err := pings(nsPath, ip, 2); err != nil {
		t.Errorf("%s: ping %s from %s: %v\n%s", label, ip, nsPath, err, out)
	}
}

// pings sends one ping to ip from the namespace at nsPath and waits up to
// wait seconds for the answer; it returns ping's output and its error.
func pings(nsPath, ip string, wait int) (string, error) {
	cmd := exec.Command("ping", "-c", "1", "-W", fmt.Sprint(wait), ip)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err := netnsmgr.New("").Run(context.Background(), nsPath, cmd)
	return out.String(), err
}
