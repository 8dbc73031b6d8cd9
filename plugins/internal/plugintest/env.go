// Package plugintest gives the tests of cnictl's bundled plugins what they
// share: hermetic wiring for TestMain, an environment that drives a plugin
// (cnictl's or the reference one) through cnictl's libcni with its own
// cache, host-local data and leak check, container namespaces, decoding
// and comparing printed results, and looking at links, addresses and
// reachability in a namespace. It is meant for tests that run inside
// hermetic namespaces.
package plugintest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/cache"
	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
)

// Main runs the tests of a package hermetically, removing the binaries
// they built at the end, and exits with their status.
func Main(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

// Impl selects which implementation of a plugin type a test drives.
type Impl string

const (
	// Ours is cnictl's bundled plugin.
	Ours Impl = "cnictl"
	// Reference is the plugin of the same type from
	// github.com/containernetworking/plugins.
	Reference Impl = "reference"
)

// Config describes the Env of one test.
type Config struct {
	// Plugin is the type of the plugin under test, and Impl the
	// implementation that serves it.
	Plugin string
	Impl   Impl
	// Reference are the reference plugins the test's networks use
	// besides, such as IPAM plugins.
	Reference []string
	// Networks are the networks host-local allocates in. It keeps a few
	// files per network after its last release: they are made ahead,
	// before the leak check could count them.
	Networks []string
	// StateEnv, if set, names the environment variable that gets a
	// fresh state directory (Env.StateDir) for the test.
	StateEnv string
	// Watch are more directories whose files the leak check counts.
	Watch []string
}

// Env is one test's plugins, libcni cache, host-local data directory and
// container namespaces.
type Env struct {
	// T is the test the Env belongs to.
	T *testing.T
	// CNI runs the plugins, with the Env's cache.
	CNI *libcni.CNI
	// CacheDir is libcni's cache directory.
	CacheDir string
	// IPAMDir is where host-local keeps its allocations.
	IPAMDir string
	// StateDir is the state directory named by Config.StateEnv; empty
	// without one.
	StateDir string

	conf  Config
	netns *netnsmgr.Manager

	mu sync.Mutex
	// stdout is what each plugin type printed in its last call of each
	// verb, by "type verb".
	stdout map[string][]byte
	// hooks run after a plugin execution, by "type verb".
	hooks map[string]func()
}

// New makes t hermetic and leak-checked and returns an Env driving the
// plugin of c.
func New(t *testing.T, c Config) *Env {
	t.Helper()
	hermetic.Require(t)
	e := &Env{
		T: t, CacheDir: t.TempDir(), IPAMDir: t.TempDir(), conf: c, netns: netnsmgr.New(""),
		stdout: map[string][]byte{}, hooks: map[string]func(){},
	}
	watch := append([]string{e.CacheDir, e.IPAMDir}, c.Watch...)
	if c.StateEnv != "" {
		e.StateDir = t.TempDir()
		t.Setenv(c.StateEnv, e.StateDir)
		watch = append(watch, e.StateDir)
	}
	e.Use(c.Impl)
	// The network lock file is made once per cache directory and stays.
	lock, err := e.CNI.Cache().LockNetwork(context.Background(), "any", false)
	if err != nil {
		t.Fatal(err)
	}
	lock.Unlock()
	for _, name := range c.Networks {
		dir := filepath.Join(e.IPAMDir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"lock", "last_reserved_ip.0", "last_reserved_ip.1"} {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	hermetic.CheckLeaks(t, watch...)
	return e
}

// Use switches the Env to the plugin of which, keeping the cache and the
// IPAM data, as a runtime does when the plugin binary is replaced.
func (e *Env) Use(which Impl) {
	e.T.Helper()
	var dirs []string
	if which == Ours {
		dirs = append(dirs, testbin.Build(e.T, "github.com/cnictl/cnictl/plugins/cmd/"+e.conf.Plugin))
		if len(e.conf.Reference) > 0 {
			dirs = append(dirs, testbin.Reference(e.T, e.conf.Reference...))
		}
	} else {
		dirs = append(dirs, testbin.Reference(e.T, append([]string{e.conf.Plugin}, e.conf.Reference...)...))
	}
	e.CNI = libcni.New(libcni.WithPluginDirs(dirs...), libcni.WithCacheDir(e.CacheDir), libcni.WithTrace(e.trace))
}

// trace records what the plugin printed and runs the hook of the event.
func (e *Env) trace(ev libcni.TraceEvent) {
	key := ev.Plugin.Type + " " + ev.Verb
	e.mu.Lock()
	e.stdout[key] = ev.Stdout
	hook := e.hooks[key]
	e.mu.Unlock()
	if hook != nil {
		hook()
	}
}

// Printed returns what the plugin of type typ printed in its last call of
// verb.
func (e *Env) Printed(typ, verb string) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stdout[typ+" "+verb]
}

// After makes fn run after every execution of the plugin of type typ for
// verb; nil removes the hook.
func (e *Env) After(verb, typ string, fn func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooks[typ+" "+verb] = fn
}

// ListJSON is the network name at cniVersion with the chained plugins, as
// JSON. The host-local IPAM of a plugin gets the Env's data directory.
func (e *Env) ListJSON(name, cniVersion string, plugins ...map[string]any) []byte {
	e.T.Helper()
	chain := make([]any, len(plugins))
	for i, p := range plugins {
		p = Clone(p)
		if ipam, ok := p["ipam"].(map[string]any); ok && ipam["type"] == "host-local" {
			ipam["dataDir"] = e.IPAMDir
		}
		chain[i] = p
	}
	data, err := json.Marshal(map[string]any{"cniVersion": cniVersion, "name": name, "plugins": chain})
	if err != nil {
		e.T.Fatal(err)
	}
	return data
}

// List is the network of ListJSON, parsed.
func (e *Env) List(name, cniVersion string, plugins ...map[string]any) *libcni.NetworkConfigList {
	e.T.Helper()
	return e.ListFrom(e.ListJSON(name, cniVersion, plugins...))
}

// ListFrom parses a network.
func (e *Env) ListFrom(data []byte) *libcni.NetworkConfigList {
	e.T.Helper()
	l, err := libcni.ConfListFromBytes(data)
	if err != nil {
		e.T.Fatalf("network %s: %v", data, err)
	}
	return l
}

// GatewayBridge is the reference bridge plugin's configuration of device
// as the gateway of subnet, with host-local addresses: the plugin that
// chained plugins come after in their tests' networks.
func GatewayBridge(device, subnet string) map[string]any {
	return map[string]any{
		"type": "bridge", "bridge": device, "isGateway": true,
		"ipam": map[string]any{"type": "host-local", "ranges": []any{[]any{map[string]any{"subnet": subnet}}}},
	}
}

// Container creates a namespace, deleted when t ends unless the test
// deletes it first, and returns its path.
func (e *Env) Container(name string) string {
	e.T.Helper()
	path, err := e.netns.Create(name)
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() {
		if err := e.netns.Delete(name); err != nil {
			e.T.Error(err)
		}
	})
	return path
}

// DeleteContainer deletes the namespace of Container name, as when a
// container is gone before its DEL.
func (e *Env) DeleteContainer(name string) {
	e.T.Helper()
	if err := e.netns.Delete(name); err != nil {
		e.T.Fatal(err)
	}
}

// RT is the runtime configuration of container id in the namespace at
// nsPath, as eth0.
func RT(id, nsPath string) *libcni.RuntimeConf {
	return &libcni.RuntimeConf{ContainerID: id, NetNS: nsPath, IfName: "eth0"}
}

// Attach attaches the container id in the namespace at nsPath to l as
// eth0, as Add does, and returns its runtime configuration and result.
func (e *Env) Attach(l *libcni.NetworkConfigList, id, nsPath string) (*libcni.RuntimeConf, types.Result) {
	e.T.Helper()
	rt := RT(id, nsPath)
	return rt, e.Add(l, rt)
}

// Add attaches rt to l and fails t on error. The attachment is deleted
// again when t ends, before its namespace goes.
func (e *Env) Add(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) types.Result {
	e.T.Helper()
	res, err := e.CNI.Add(context.Background(), l, rt)
	if err != nil {
		e.T.Fatalf("ADD %s: %v", rt.ContainerID, err)
	}
	e.T.Cleanup(func() {
		if err := e.CNI.Del(context.Background(), l, rt); err != nil {
			e.T.Errorf("DEL %s at cleanup: %v", rt.ContainerID, err)
		}
	})
	return res
}

// Del detaches rt from l and fails t on error.
func (e *Env) Del(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) {
	e.T.Helper()
	if err := e.CNI.Del(context.Background(), l, rt); err != nil {
		e.T.Fatalf("DEL %s: %v", rt.ContainerID, err)
	}
}

// Check runs CHECK on rt's attachment to l.
func (e *Env) Check(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) error {
	return e.CNI.Check(context.Background(), l, rt)
}

// Forget removes rt's attachment to l from libcni's cache, as if the
// runtime had lost it: only the plugins' GC can clean it up then.
func (e *Env) Forget(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) {
	e.T.Helper()
	if err := e.CNI.Cache().Remove(cache.Key{Network: l.Name, ContainerID: rt.ContainerID, IfName: rt.IfName}); err != nil {
		e.T.Fatal(err)
	}
}

// Allocations lists the addresses host-local holds for network.
func (e *Env) Allocations(network string) []string {
	e.T.Helper()
	entries, err := os.ReadDir(filepath.Join(e.IPAMDir, network))
	if err != nil && !os.IsNotExist(err) {
		e.T.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		if n := en.Name(); n != "lock" && !strings.HasPrefix(n, "last_reserved_ip") {
			out = append(out, n)
		}
	}
	return out
}

// DeleteLinkAtEnd deletes the link name of the test's namespace when t
// ends, before the leak check: the reference bridge plugin keeps its
// bridge after the last DEL.
func (e *Env) DeleteLinkAtEnd(name string) {
	e.T.Cleanup(func() {
		if l, err := netlink.LinkByName(name); err == nil {
			if err := netlink.LinkDel(l); err != nil {
				e.T.Errorf("deleting link %s: %v", name, err)
			}
		}
	})
}

// DeleteTablesAtEnd deletes nftables tables ("family name") when t ends,
// before the leak check: the reference plugins keep theirs after the last
// DEL, and iptables -P makes iptables-nft's. Missing tables are skipped.
func (e *Env) DeleteTablesAtEnd(tables ...string) {
	e.T.Cleanup(func() {
		for _, table := range tables {
			exec.Command("nft", append([]string{"delete", "table"}, strings.Fields(table)...)...).Run()
		}
	})
}

// NewStateDir makes t hermetic, points the environment variable env at a
// fresh directory for the test, and checks the namespaces and the files
// under that directory for leaks when t ends. It returns the directory.
func NewStateDir(t testing.TB, env string) string {
	t.Helper()
	hermetic.Require(t)
	dir := t.TempDir()
	t.Setenv(env, dir)
	hermetic.CheckLeaks(t, dir)
	return dir
}

// Parallel runs fn(i) for attachments 0 to n-1 at once, as concurrent
// plugin processes would, and fails t for each error.
func Parallel(t testing.TB, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("attachment %d: %v", i, err)
		}
	}
}

// SameForBoth runs observe with the reference plugin and then with
// cnictl's, each in a subtest of t named after the implementation, and
// fails t unless both observed the same.
func SameForBoth(t *testing.T, observe func(t *testing.T, which Impl) any) {
	t.Helper()
	var got [2]any
	for i, which := range []Impl{Reference, Ours} {
		t.Run(string(which), func(t *testing.T) { got[i] = observe(t, which) })
	}
	if !t.Failed() && !reflect.DeepEqual(got[0], got[1]) {
		t.Errorf("reference and cnictl differ:\nreference %+v\n   cnictl %+v", got[0], got[1])
	}
}
