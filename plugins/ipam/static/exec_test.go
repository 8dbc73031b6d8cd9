package static

import (
	"maps"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) { plugintest.Main(m) }

// versions are the cniVersions the tests run at.
var versions = []string{"0.1.0", "0.2.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// run executes the static executable at path for container c1 on eth0,
// and fails t if it could not be run.
func run(t testing.TB, path, command, cniArgs, conf string) plugintest.Outcome {
	t.Helper()
	return plugintest.Run(t, path, plugintest.Call{Command: command, ContainerID: "c1", IfName: "eth0", Args: cniArgs, Conf: conf})
}

// netconf is a network configuration with a static ipam section; top adds
// top-level keys such as runtimeConfig, args and prevResult.
func netconf(t testing.TB, cniVersion string, ipam, top map[string]any) string {
	t.Helper()
	section := map[string]any{"type": "static"}
	maps.Copy(section, ipam)
	return plugintest.NetConf(t, cniVersion, "macvlan", section, top)
}

// addresses is an ipam.addresses list of address and gateway pairs; an
// empty gateway is left out.
func addresses(pairs ...string) []any {
	var list []any
	for i := 0; i+1 < len(pairs); i += 2 {
		a := map[string]any{"address": pairs[i]}
		if pairs[i+1] != "" {
			a["gateway"] = pairs[i+1]
		}
		list = append(list, a)
	}
	return list
}
