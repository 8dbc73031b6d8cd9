package bridge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
	"github.com/cnictl/cnictl/plugins/internal/nat"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

// versions are the cniVersions the tests run at.
var versions = []string{"0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// impl selects the bridge plugin a test drives.
type impl string

const (
	ours      impl = "cnictl"
	reference impl = "reference"
)

// refMasqTable is the table the reference plugin masquerades in with
// ipMasqBackend nftables; it keeps it after the last DEL.
const refMasqTable = "cni_plugins_masquerade"

// env is one test's plugins, cache, IPAM data and state directories.
// IPAM is always the reference host-local.
type env struct {
	t        *testing.T
	cni      *libcni.CNI
	dirs     []string
	cacheDir string
	ipamDir  string
	stateDir string
	netns    *netnsmgr.Manager
}

// newEnv makes t hermetic and leak-checked and returns an env driving the
// bridge plugin of which. The bridge is deleted when t ends, before the
// leak check: like the reference, the plugin keeps a bridge after its last
// DEL. host-local keeps its lock and last-reserved files after the last
// release: they are made here for each of networks, before the leak check
// could count them.
func newEnv(t *testing.T, which impl, bridge string, networks ...string) *env {
	t.Helper()
	hermetic.Require(t)
	e := &env{t: t, cacheDir: t.TempDir(), ipamDir: t.TempDir(), stateDir: t.TempDir(), netns: netnsmgr.New("")}
	t.Setenv(nat.EnvStateDir, e.stateDir)
	// New links of the test's namespace, bridges included, skip duplicate
	// address detection, so that an IPv6 gateway answers at once.
	if err := os.WriteFile("/proc/sys/net/ipv6/conf/default/accept_dad", []byte("0"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.dirs = []string{testbin.Reference(t, "host-local")}
	if which == ours {
		e.dirs = []string{testbin.Build(t, "github.com/cnictl/cnictl/plugins/cmd/bridge"), e.dirs[0]}
	} else {
		e.dirs = []string{testbin.Reference(t, "bridge", "host-local")}
	}
	e.cni = libcni.New(libcni.WithPluginDirs(e.dirs...), libcni.WithCacheDir(e.cacheDir))
	// The network lock file is made once per cache directory and stays.
	lock, err := e.cni.Cache().LockNetwork(context.Background(), "any", false)
	if err != nil {
		t.Fatal(err)
	}
	lock.Unlock()
	for _, name := range networks {
		dir := filepath.Join(e.ipamDir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"lock", "last_reserved_ip.0", "last_reserved_ip.1"} {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	hermetic.CheckLeaks(t, e.cacheDir, e.ipamDir, e.stateDir)
	t.Cleanup(func() {
		if l, err := netlink.LinkByName(bridge); err == nil {
			if err := netlink.LinkDel(l); err != nil {
				t.Errorf("deleting bridge %s: %v", bridge, err)
			}
		}
		if which == reference {
			// The reference keeps its masquerading table, and its
			// iptables teardown on DEL leaves empty nat tables (through
			// iptables-nft). Deleting what is not there fails harmlessly.
			for _, table := range [][2]string{{"inet", refMasqTable}, {"ip", "nat"}, {"ip6", "nat"}} {
				exec.Command("nft", "delete", "table", table[0], table[1]).Run()
			}
		}
	})
	return e
}

// list builds the network name at cniVersion with the bridge plugin conf,
// whose host-local IPAM gets the env's data directory.
func (e *env) list(name, cniVersion string, conf map[string]any) *libcni.NetworkConfigList {
	e.t.Helper()
	conf = clone(conf)
	conf["type"] = "bridge"
	if ipam, ok := conf["ipam"].(map[string]any); ok {
		ipam["dataDir"] = e.ipamDir
	}
	data, err := json.Marshal(map[string]any{"cniVersion": cniVersion, "name": name, "plugins": []any{conf}})
	if err != nil {
		e.t.Fatal(err)
	}
	l, err := libcni.ConfListFromBytes(data)
	if err != nil {
		e.t.Fatalf("network %s: %v", data, err)
	}
	return l
}

// clone deep-copies a JSON object.
func clone(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

// container creates a namespace, deleted when t ends (unless the test
// deletes it first), and returns its path.
func (e *env) container(name string) string {
	e.t.Helper()
	path, err := e.netns.Create(name)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if err := e.netns.Delete(name); err != nil {
			e.t.Error(err)
		}
	})
	return path
}

// add attaches the container at nsPath as eth0 and fails t on error. The
// attachment is deleted again when t ends, before its namespace goes.
func (e *env) add(l *libcni.NetworkConfigList, id, nsPath string) (*libcni.RuntimeConf, types.Result) {
	e.t.Helper()
	return e.addWith(l, id, nsPath, nil, nil)
}

// addWith is add with CNI_ARGS and capability arguments.
func (e *env) addWith(l *libcni.NetworkConfigList, id, nsPath string, args [][2]string, caps map[string]any) (*libcni.RuntimeConf, types.Result) {
	e.t.Helper()
	rt := &libcni.RuntimeConf{ContainerID: id, NetNS: nsPath, IfName: "eth0", Args: args, CapabilityArgs: caps}
	res, err := e.cni.Add(context.Background(), l, rt)
	if err != nil {
		e.t.Fatalf("ADD %s: %v", id, err)
	}
	e.t.Cleanup(func() {
		if err := e.cni.Del(context.Background(), l, rt); err != nil {
			e.t.Errorf("DEL %s at cleanup: %v", id, err)
		}
	})
	return rt, res
}

// asCurrent converts a result to the current version.
func asCurrent(t *testing.T, res types.Result) *current.Result {
	t.Helper()
	cur, err := current.NewResultFromResult(res)
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

// del detaches rt and fails t on error.
func (e *env) del(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) {
	e.t.Helper()
	if err := e.cni.Del(context.Background(), l, rt); err != nil {
		e.t.Fatalf("DEL %s: %v", rt.ContainerID, err)
	}
}

// allocations lists the addresses host-local holds for network.
func (e *env) allocations(network string) []string {
	e.t.Helper()
	entries, err := os.ReadDir(filepath.Join(e.ipamDir, network))
	if err != nil && !os.IsNotExist(err) {
		e.t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		if n := en.Name(); n != "lock" && !strings.HasPrefix(n, "last_reserved_ip") {
			out = append(out, n)
		}
	}
	return out
}

// ping pings dst from the namespace at nsPath until it answers, for up to
// about 5 seconds: a new IPv6 address on the bridge answers only once
// duplicate address detection is done.
func (e *env) ping(nsPath, dst string) error { return e.pingN(nsPath, dst, 5) }

// pingOnce pings dst from the namespace at nsPath once, waiting a second
// for the answer.
func (e *env) pingOnce(nsPath, dst string) error { return e.pingN(nsPath, dst, 1) }

// pingN pings dst from the namespace at nsPath up to n times, until it
// answers.
func (e *env) pingN(nsPath, dst string, n int) error {
	var err error
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var out strings.Builder
		cmd := exec.Command("ping", "-c", "1", "-W", "1", dst)
		cmd.Stdout, cmd.Stderr = &out, &out
		err = e.netns.Run(ctx, nsPath, cmd)
		cancel()
		if err == nil {
			return nil
		}
		err = fmt.Errorf("ping %s from %s: %v: %s", dst, nsPath, err, out.String())
	}
	return err
}

// inNS runs fn in the namespace at nsPath and fails t on error.
func inNS(t *testing.T, nsPath string, fn func() error) {
	t.Helper()
	if err := netnsmgr.Do(nsPath, fn); err != nil {
		t.Fatal(err)
	}
}

// nftRuleset is `nft list ruleset`.
func nftRuleset(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return string(out)
}

// resultJSON is a result as the network's cniVersion prints it.
func resultJSON(t *testing.T, res types.Result, cniVersion string) map[string]any {
	t.Helper()
	conv, err := res.GetAsVersion(cniVersion)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(conv)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// dualStack is an IPAM configuration with an IPv4 and an IPv6 range.
func dualStack(v4, v6 string) map[string]any {
	return map[string]any{
		"type":   "host-local",
		"ranges": []any{[]any{map[string]any{"subnet": v4}}, []any{map[string]any{"subnet": v6}}},
	}
}
