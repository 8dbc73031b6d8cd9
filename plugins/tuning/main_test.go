package tuning_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

// versions are the cniVersions every case runs at.
var versions = []string{"0.4.0", "1.0.0", "1.1.0"}

// The network every test attaches to: the reference bridge with
// host-local, then tuning.
const (
	network = "tunenet"
	bridge  = "cni-tune0"
	subnet  = "10.77.0.0/24"
)

// impl selects the tuning plugin a test drives.
type impl string

const (
	ours      impl = "cnictl"
	reference impl = "reference"
)

// env is one test's plugins, cache, data directories and namespaces.
type env struct {
	t        *testing.T
	cni      *libcni.CNI
	cacheDir string
	dataDir  string
	ipamDir  string
	netns    *netnsmgr.Manager

	mu sync.Mutex
	// hooks run after a plugin execution, keyed by verb and plugin type.
	hooks map[string]func()
	// stdout is what tuning printed in its last call of each verb.
	stdout map[string][]byte
}

// newEnv makes t hermetic and leak-checked and returns an env driving the
// tuning plugin of which. The files that stay behind by design (the cache
// lock, host-local's lock and last-reserved file) are made before the
// leak check; the bridge, which the reference bridge plugin keeps, is
// deleted before the leak check looks.
func newEnv(t *testing.T, which impl) *env {
	t.Helper()
	hermetic.Require(t)
	e := &env{t: t, cacheDir: t.TempDir(), dataDir: t.TempDir(), ipamDir: t.TempDir(),
		netns: netnsmgr.New(""), hooks: map[string]func(){}, stdout: map[string][]byte{}}
	dirs := []string{testbin.Reference(t, "bridge", "host-local", "tuning")}
	if which == ours {
		dirs = append([]string{testbin.Build(t, "github.com/cnictl/cnictl/plugins/cmd/tuning")}, dirs...)
	}
	e.cni = libcni.New(libcni.WithPluginDirs(dirs...), libcni.WithCacheDir(e.cacheDir), libcni.WithTrace(e.trace))
	lock, err := e.cni.Cache().LockNetwork(context.Background(), network, false)
	if err != nil {
		t.Fatal(err)
	}
	lock.Unlock()
	ipamNet := filepath.Join(e.ipamDir, network)
	if err := os.MkdirAll(ipamNet, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"lock", "last_reserved_ip.0"} {
		if err := os.WriteFile(filepath.Join(ipamNet, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hermetic.CheckLeaks(t, e.cacheDir, e.dataDir, e.ipamDir)
	t.Cleanup(func() {
		if l, err := netlink.LinkByName(bridge); err == nil {
			if err := netlink.LinkDel(l); err != nil {
				t.Errorf("deleting bridge %s: %v", bridge, err)
			}
		}
	})
	return e
}

// trace records what tuning printed and runs the hook of the event.
func (e *env) trace(ev libcni.TraceEvent) {
	e.mu.Lock()
	if ev.Plugin.Type == "tuning" {
		e.stdout[ev.Verb] = ev.Stdout
	}
	hook := e.hooks[ev.Verb+"/"+ev.Plugin.Type]
	e.mu.Unlock()
	if hook != nil {
		hook()
	}
}

// after makes fn run after every execution of plugin typ for verb.
func (e *env) after(verb, typ string, fn func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooks[verb+"/"+typ] = fn
}

// printed returns what tuning printed in its last call of verb.
func (e *env) printed(verb string) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stdout[verb]
}

// list builds the network at cniVersion: bridge and host-local, then the
// tuning configuration tuning, which gets the env's dataDir.
func (e *env) list(cniVersion string, tuning map[string]any) *libcni.NetworkConfigList {
	e.t.Helper()
	return e.listFrom(e.listJSON(cniVersion, tuning))
}

// listJSON is the network of list as JSON.
func (e *env) listJSON(cniVersion string, tuning map[string]any) []byte {
	e.t.Helper()
	tuning = clone(tuning)
	tuning["type"] = "tuning"
	tuning["dataDir"] = e.dataDir
	br := map[string]any{
		"type": "bridge", "bridge": bridge, "isGateway": true,
		"ipam": map[string]any{"type": "host-local", "dataDir": e.ipamDir, "ranges": []any{[]any{map[string]any{"subnet": subnet}}}},
	}
	data, err := json.Marshal(map[string]any{"cniVersion": cniVersion, "name": network, "plugins": []any{br, tuning}})
	if err != nil {
		e.t.Fatal(err)
	}
	return data
}

// listFrom parses a network.
func (e *env) listFrom(data []byte) *libcni.NetworkConfigList {
	e.t.Helper()
	l, err := libcni.ConfListFromBytes(data)
	if err != nil {
		e.t.Fatalf("network %s: %v", data, err)
	}
	return l
}

// clone deep-copies a JSON object.
func clone(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	return out
}

// container creates a namespace that is deleted when t ends, and returns
// its path.
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

// add attaches rt and fails t on error. The attachment is deleted again
// when t ends, before its namespace goes.
func (e *env) add(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) *current.Result {
	e.t.Helper()
	res, err := e.cni.Add(context.Background(), l, rt)
	if err != nil {
		e.t.Fatalf("ADD %s: %v", rt.ContainerID, err)
	}
	e.t.Cleanup(func() {
		if err := e.cni.Del(context.Background(), l, rt); err != nil {
			e.t.Errorf("DEL %s at cleanup: %v", rt.ContainerID, err)
		}
	})
	return asCurrent(e.t, res)
}

// del detaches rt and fails t on error.
func (e *env) del(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) {
	e.t.Helper()
	if err := e.cni.Del(context.Background(), l, rt); err != nil {
		e.t.Fatalf("DEL %s: %v", rt.ContainerID, err)
	}
}

// rt is the runtime configuration of container id in the namespace at
// nsPath, as eth0.
func rt(id, nsPath string) *libcni.RuntimeConf {
	return &libcni.RuntimeConf{ContainerID: id, NetNS: nsPath, IfName: "eth0"}
}

// asCurrent converts a result to the current version.
func asCurrent(t *testing.T, r types.Result) *current.Result {
	t.Helper()
	res, err := current.NewResultFromResult(r)
	if err != nil {
		t.Fatalf("converting result: %v", err)
	}
	return res
}
