package firewall

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins/internal/nftutil/nfttest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) { plugintest.Main(m) }

// newEnv returns a test environment, for the named networks, whose
// firewall plugin is which's, with forwarding on. iptables-nft's filter
// tables, which the tests' iptables -P and the reference plugin make and
// keep, are deleted before the leak check.
func newEnv(t *testing.T, which plugintest.Impl, networks ...string) *nfttest.Env {
	t.Helper()
	e := nfttest.New(t, which, "firewall", networks...)
	e.DeleteTablesAtEnd("ip filter", "ip6 filter")
	plugintest.EnableForwarding(t)
	return e
}

// addBridges makes a bridge of each name in the test's namespace, for
// prevResults that name them as the bridge plugin does, and deletes them
// when t ends.
func addBridges(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
		if err := netlink.LinkAdd(br); err != nil {
			t.Fatalf("adding bridge %s: %v", name, err)
		}
		t.Cleanup(func() {
			if err := netlink.LinkDel(br); err != nil {
				t.Errorf("deleting bridge %s: %v", name, err)
			}
		})
	}
}

// firewallConf is a chained firewall configuration with extra fields.
func firewallConf(extra map[string]any) map[string]any {
	conf := map[string]any{"type": "firewall"}
	for k, v := range extra {
		conf[k] = v
	}
	return conf
}

// iptables runs an iptables command (iptables-nft) and returns its output.
func iptables(t *testing.T, cmd string, args ...string) string {
	t.Helper()
	out, err := exec.Command(cmd, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", cmd, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
