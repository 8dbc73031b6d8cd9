package ptp_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
	"github.com/cnictl/cnictl/plugins/internal/nat"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

// versions are the cniVersions every case runs at.
var versions = []string{"0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// impl selects the ptp plugin a test drives.
type impl string

const (
	ours      impl = "cnictl"
	reference impl = "reference"
)

// env is one test's plugins, cache, IPAM data directory and namespaces.
// The IPAM plugins are always the reference ones.
type env struct {
	t        *testing.T
	cni      *libcni.CNI
	cacheDir string
	ipamDir  string
	netns    *netnsmgr.Manager

	mu sync.Mutex
	// stdout is what the ptp plugin printed in its last call of each
	// verb.
	stdout map[string][]byte
}

// newEnv makes t hermetic and leak-checked and returns an env driving the
// ptp plugin of which. host-local keeps its lock and last-reserved files
// after the last release: they are made here for each of networks, before
// the leak check could count them.
func newEnv(t *testing.T, which impl, networks ...string) *env {
	t.Helper()
	hermetic.Require(t)
	e := &env{t: t, cacheDir: t.TempDir(), ipamDir: t.TempDir(), netns: netnsmgr.New(""), stdout: map[string][]byte{}}
	e.use(which)
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
	hermetic.CheckLeaks(t, e.cacheDir, e.ipamDir, nat.StateDir())
	return e
}

// use switches the env to the ptp plugin of which, keeping the cache and
// the IPAM data, as a runtime does when the plugin binary is replaced.
func (e *env) use(which impl) {
	e.t.Helper()
	dirs := []string{testbin.Reference(e.t, "host-local", "static")}
	if which == ours {
		dirs = append([]string{testbin.Build(e.t, "github.com/cnictl/cnictl/plugins/cmd/ptp")}, dirs...)
	} else {
		dirs = []string{testbin.Reference(e.t, "ptp", "host-local", "static")}
	}
	e.cni = libcni.New(libcni.WithPluginDirs(dirs...), libcni.WithCacheDir(e.cacheDir), libcni.WithTrace(e.record))
}

func (e *env) record(ev libcni.TraceEvent) {
	if ev.Plugin.Type != "ptp" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stdout[ev.Verb] = ev.Stdout
}

// printed returns what the ptp plugin printed for its last call of verb.
func (e *env) printed(verb string) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stdout[verb]
}

// list builds the network name at cniVersion from plugin, whose
// host-local IPAM, if any, gets the env's data directory.
func (e *env) list(name, cniVersion string, plugin map[string]any) *libcni.NetworkConfigList {
	e.t.Helper()
	plugin = clone(plugin)
	if ipam, ok := plugin["ipam"].(map[string]any); ok && ipam["type"] == "host-local" {
		ipam["dataDir"] = e.ipamDir
	}
	data, err := json.Marshal(map[string]any{"cniVersion": cniVersion, "name": name, "plugins": []any{plugin}})
	if err != nil {
		e.t.Fatal(err)
	}
	l, err := libcni.ConfListFromBytes(data)
	if err != nil {
		e.t.Fatalf("network %s: %v", data, err)
	}
	return l
}

// parse parses a JSON object.
func parse(t *testing.T, object string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(object), &m); err != nil {
		t.Fatalf("parsing %s: %v", object, err)
	}
	return m
}

// clone deep-copies a JSON object.
func clone(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	var out map[string]any
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

// add attaches the container at nsPath as eth0 and fails t on error. The
// attachment is deleted again when t ends, before its namespace goes.
func (e *env) add(l *libcni.NetworkConfigList, id, nsPath string) (*libcni.RuntimeConf, types.Result) {
	e.t.Helper()
	rt := &libcni.RuntimeConf{ContainerID: id, NetNS: nsPath, IfName: "eth0"}
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

// del detaches rt and fails t on error.
func (e *env) del(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) {
	e.t.Helper()
	if err := e.cni.Del(context.Background(), l, rt); err != nil {
		e.t.Fatalf("DEL %s: %v", rt.ContainerID, err)
	}
}

// check runs CHECK on rt.
func (e *env) check(l *libcni.NetworkConfigList, rt *libcni.RuntimeConf) error {
	return e.cni.Check(context.Background(), l, rt)
}
