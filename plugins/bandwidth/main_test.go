package bandwidth_test

import (
	"testing"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) { plugintest.Main(m) }

// TestVersionInfo wants the plugin to support the cniVersions the
// reference one supports.
func TestVersionInfo(t *testing.T) { plugintest.SameVersions(t, "bandwidth") }

// versions are the cniVersions every case runs at: from 0.3.0, the first
// the reference, like this plugin, supports. CHECK exists from 0.4.0 on
// (checkVersions).
var versions = []string{"0.3.0", "0.4.0", "1.0.0", "1.1.0"}

// checkVersions are the cniVersions the tests of CHECK run at.
var checkVersions = []string{"0.4.0", "1.0.0", "1.1.0"}

// The network every test attaches to: the reference bridge with
// host-local, then bandwidth.
const (
	network = "bwnet"
	bridge  = "cni-bw0"
	subnet  = "10.78.0.0/24"
)

// newEnv returns an env driving the bandwidth plugin of which. The bridge,
// which the reference bridge plugin keeps, is deleted before the leak
// check looks.
func newEnv(t *testing.T, which plugintest.Impl) *plugintest.Env {
	t.Helper()
	e := plugintest.New(t, plugintest.Config{
		Plugin: "bandwidth", Impl: which, Reference: []string{"bridge", "host-local"}, Networks: []string{network},
	})
	e.DeleteLinkAtEnd(bridge)
	return e
}

// list builds the network at cniVersion: bridge and host-local, then the
// bandwidth configuration bw.
func list(e *plugintest.Env, cniVersion string, bw map[string]any) *libcni.NetworkConfigList {
	e.T.Helper()
	bw = plugintest.Clone(bw)
	bw["type"] = "bandwidth"
	return e.List(network, cniVersion, plugintest.GatewayBridge(bridge, subnet), bw)
}

// rt is the runtime configuration of container id in the namespace at
// nsPath, as eth0, with the capability args caps.
func rt(id, nsPath string, caps map[string]any) *libcni.RuntimeConf {
	return &libcni.RuntimeConf{ContainerID: id, NetNS: nsPath, IfName: "eth0", CapabilityArgs: caps}
}
