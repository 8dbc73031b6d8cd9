package bridge_test

import (
	"encoding/json"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) { plugintest.Main(m) }

// TestVersionInfo wants the plugin to support the cniVersions the
// reference one supports.
func TestVersionInfo(t *testing.T) { plugintest.SameVersions(t, "bridge") }

// versions are the cniVersions the tests run at.
var versions = []string{"0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// refMasqTable is the table the reference plugin masquerades in with
// ipMasqBackend nftables; it keeps it after the last DEL.
const refMasqTable = "cni_plugins_masquerade"

// newEnv returns an env driving the bridge plugin of which, for the named
// networks, with a fresh state directory. IPAM is always the reference
// host-local. New links skip duplicate address detection, so that an IPv6
// gateway answers at once. The bridge is deleted when t ends, before the
// leak check: like the reference, the plugin keeps a bridge after its last
// DEL.
func newEnv(t *testing.T, which plugintest.Impl, bridge string, networks ...string) *plugintest.Env {
	t.Helper()
	e := plugintest.New(t, plugintest.Config{
		Plugin: "bridge", Impl: which, Reference: []string{"host-local"},
		Networks: networks, StateEnv: nftutil.EnvStateDir,
	})
	plugintest.NoDAD(t)
	e.DeleteLinkAtEnd(bridge)
	if which == plugintest.Reference {
		// The reference keeps its masquerading table, and its iptables
		// teardown on DEL leaves empty nat tables (through iptables-nft).
		e.DeleteTablesAtEnd("inet "+refMasqTable, "ip nat", "ip6 nat")
	}
	return e
}

// list builds the network name at cniVersion with the bridge plugin conf.
func list(e *plugintest.Env, name, cniVersion string, conf map[string]any) *libcni.NetworkConfigList {
	e.T.Helper()
	conf = plugintest.Clone(conf)
	conf["type"] = "bridge"
	return e.List(name, cniVersion, conf)
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
