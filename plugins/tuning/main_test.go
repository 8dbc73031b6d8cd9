package tuning_test

import (
	"testing"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) { plugintest.Main(m) }

// TestVersionInfo wants the plugin to support the cniVersions the
// reference one supports.
func TestVersionInfo(t *testing.T) { plugintest.SameVersions(t, "tuning") }

// versions are the cniVersions every case runs at: from 0.3.0, the first
// with chained plugins (the reference, like this plugin, also takes 0.1.0
// and 0.2.0). CHECK exists from 0.4.0 on (checkVersions).
var versions = []string{"0.3.0", "0.4.0", "1.0.0", "1.1.0"}

// checkVersions are the cniVersions the tests of CHECK run at.
var checkVersions = []string{"0.4.0", "1.0.0", "1.1.0"}

// The network every test attaches to: the reference bridge with
// host-local, then tuning.
const (
	network = "tunenet"
	bridge  = "cni-tune0"
	subnet  = "10.77.0.0/24"
)

// env is one test's plugins, cache, data directories and namespaces.
type env struct {
	*plugintest.Env
	// dataDir is where tuning keeps its backups.
	dataDir string
}

// newEnv returns an env driving the tuning plugin of which. The bridge,
// which the reference bridge plugin keeps, is deleted before the leak
// check looks.
func newEnv(t *testing.T, which plugintest.Impl) *env {
	t.Helper()
	dataDir := t.TempDir()
	e := plugintest.New(t, plugintest.Config{
		Plugin: "tuning", Impl: which, Reference: []string{"bridge", "host-local"},
		Networks: []string{network}, Watch: []string{dataDir},
	})
	e.DeleteLinkAtEnd(bridge)
	return &env{Env: e, dataDir: dataDir}
}

// list builds the network at cniVersion: bridge and host-local, then the
// tuning configuration tuning, which gets the env's dataDir.
func (e *env) list(cniVersion string, tuning map[string]any) *libcni.NetworkConfigList {
	e.T.Helper()
	return e.ListFrom(e.listJSON(cniVersion, tuning))
}

// listJSON is the network of list as JSON.
func (e *env) listJSON(cniVersion string, tuning map[string]any) []byte {
	e.T.Helper()
	tuning = plugintest.Clone(tuning)
	tuning["type"] = "tuning"
	tuning["dataDir"] = e.dataDir
	return e.ListJSON(network, cniVersion, plugintest.GatewayBridge(bridge, subnet), tuning)
}
