package ptp_test

import (
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) { plugintest.Main(m) }

// TestVersionInfo wants the plugin to support the cniVersions the
// reference one supports.
func TestVersionInfo(t *testing.T) { plugintest.SameVersions(t, "ptp") }

// versions are the cniVersions every case runs at.
var versions = []string{"0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// newEnv returns an env driving the ptp plugin of which, for the named
// networks, that also watches the NAT state for leaks. The IPAM plugins
// are always the reference ones.
func newEnv(t *testing.T, which plugintest.Impl, networks ...string) *plugintest.Env {
	t.Helper()
	return plugintest.New(t, plugintest.Config{
		Plugin: "ptp", Impl: which, Reference: []string{"host-local", "static"},
		Networks: networks, Watch: []string{nftutil.StateDir("nat")},
	})
}
