package hostlocal

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) { plugintest.Main(m) }

// versions are the cniVersions most tests run at.
var versions = []string{"0.2.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// plugin is the path of a host-local executable.
type plugin string

// ours builds this package's plugin.
func ours(t testing.TB) plugin {
	return plugin(plugintest.Executable(t, plugintest.Ours, "host-local"))
}

// reference builds the reference host-local plugin.
func reference(t testing.TB) plugin {
	return plugin(plugintest.Executable(t, plugintest.Reference, "host-local"))
}

// run executes the plugin for c and fails t if it could not be run.
func (p plugin) run(t testing.TB, c plugintest.Call) plugintest.Outcome {
	t.Helper()
	return plugintest.Run(t, string(p), c)
}

// add runs ADD for containerID on eth0.
func (p plugin) add(t testing.TB, conf, containerID string) plugintest.Outcome {
	t.Helper()
	return p.run(t, plugintest.Call{Command: "ADD", ContainerID: containerID, IfName: "eth0", Conf: conf})
}

// del runs DEL for containerID on eth0.
func (p plugin) del(t testing.TB, conf, containerID string) plugintest.Outcome {
	t.Helper()
	return p.run(t, plugintest.Call{Command: "DEL", ContainerID: containerID, IfName: "eth0", Conf: conf})
}

// netconf is a network configuration of network "net" with a host-local
// ipam section keeping its allocations in dataDir. top adds top-level
// keys such as runtimeConfig and args.
func netconf(t testing.TB, cniVersion, dataDir string, ipam, top map[string]any) string {
	t.Helper()
	section := map[string]any{"type": "host-local", "dataDir": dataDir}
	maps.Copy(section, ipam)
	return plugintest.NetConf(t, cniVersion, "bridge", section, top)
}

// subnet is the ipam section of a legacy single-range configuration.
func subnet(cidr string) map[string]any { return map[string]any{"subnet": cidr} }

// files maps the name of each file of the network's allocation directory
// to its content.
func files(t testing.TB, dataDir string) map[string]string {
	t.Helper()
	dir := filepath.Join(dataDir, "net")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

// allocated returns the sorted addresses allocated in dataDir.
func allocated(t testing.TB, dataDir string) []string {
	t.Helper()
	var ips []string
	for name := range files(t, dataDir) {
		if name != "lock" && !strings.HasPrefix(name, "last_reserved_ip.") {
			ips = append(ips, name)
		}
	}
	sort.Strings(ips)
	return ips
}
