// Package differential runs every configuration in testdata/differential
// through the reference plugins and through cnictl's bundled plugins, and
// compares results, connectivity and clean-up.
package differential

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/version"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

const casesDir = "../../testdata/differential"

// testOptions is the optional "x-test" object of a case.
type testOptions struct {
	Ping   *bool  `json:"ping"`
	Master string `json:"master"`
}

// containers is how many containers each run attaches.
const containers = 2

func TestReferenceAndBundledAgree(t *testing.T) {
	hermetic.Require(t)
	files, err := filepath.Glob(filepath.Join(casesDir, "*.conflist"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases in %s: %v", casesDir, err)
	}
	reference := testbin.Reference(t, "bridge", "host-local", "loopback", "ptp", "macvlan", "static")
	bundled := testbin.Bundled(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".conflist"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var opts struct {
				X testOptions `json:"x-test"`
			}
			if err := json.Unmarshal(raw, &opts); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			want := run(t, "reference", reference, raw, opts.X)
			got := run(t, "bundled", bundled, raw, opts.X)
			for i := range want {
				if !reflect.DeepEqual(normalise(t, want[i]), normalise(t, got[i])) {
					t.Errorf("container %d: results differ\nreference: %s\nbundled:   %s", i, want[i], got[i])
				}
			}
		})
	}
}

// run attaches containers with the plugins in pluginDir, checks
// connectivity and CHECK, deletes everything, and returns the results.
func run(t *testing.T, label, pluginDir string, raw []byte, opts testOptions) [][]byte {
	t.Helper()
	work := t.TempDir()
	cacheDir, dataDir := filepath.Join(work, "cache"), filepath.Join(work, "ipam")
	resetHost(t)
	if opts.Master != "" {
		makeMaster(t, opts.Master)
	}
	before := hermetic.Take(t, cacheDir, dataDir)
	// Deferred first, so it runs after every DEL below.
	defer func() {
		// The reference and bundled bridge plugins keep the bridge device
		// after the last DEL; everything else must be gone.
		removeBridges(t)
		if opts.Master != "" {
			removeLink(opts.Master)
		}
		if label == "bundled" {
			compare(t, before, hermetic.Take(t, cacheDir, dataDir))
		}
	}()
	cni := libcni.New(libcni.WithPluginDirs(pluginDir), libcni.WithCacheDir(cacheDir), libcni.WithStderr(nil))
	netns := netnsmgr.New("")
	var results [][]byte
	var rts []*libcni.RuntimeConf
	var addrs [][]string
	for i := 0; i < containers; i++ {
		conf := strings.NewReplacer("@DATADIR@", dataDir, "@N@", fmt.Sprint(10+i)).Replace(string(raw))
		list, err := libcni.ConfListFromBytes([]byte(conf))
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%s-%d", label, i)
		path, err := netns.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		defer netns.Delete(name)
		rt := &libcni.RuntimeConf{ContainerID: name, NetNS: path, IfName: "eth0"}
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
		results = append(results, data)
		rts = append(rts, rt)
		addrs = append(addrs, ipv4s(t, data))
	}
	if opts.Ping == nil || *opts.Ping {
		for i, rt := range rts {
			peer := addrs[(i+1)%len(addrs)]
			for _, ip := range append(peer[:1:1], gateways(t, results[i])...) {
				ping(t, label, rt.NetNS, ip)
			}
		}
	}
	return results
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

func removeLink(name string) {
	if l, err := netlink.LinkByName(name); err == nil {
		netlink.LinkDel(l)
	}
}

func removeBridges(t *testing.T) {
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if l.Type() == "bridge" {
			netlink.LinkDel(l)
		}
	}
}

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
// addresses, veth names and namespace paths.
func normalise(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	ifaces, _ := m["interfaces"].([]any)
	for _, i := range ifaces {
		iface := i.(map[string]any)
		delete(iface, "mac")
		if s, ok := iface["sandbox"].(string); ok && s != "" {
			iface["sandbox"] = "<netns>"
		}
		if n, _ := iface["name"].(string); strings.HasPrefix(n, "veth") {
			iface["name"] = "veth*"
		}
	}
	return m
}

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

func ping(t *testing.T, label, nsPath, ip string) {
	t.Helper()
	cmd := exec.Command("ping", "-c", "1", "-W", "2", ip)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := netnsmgr.New("").Run(context.Background(), nsPath, cmd); err != nil {
		t.Errorf("%s: ping %s from %s: %v\n%s", label, ip, nsPath, err, out.String())
	}
}
