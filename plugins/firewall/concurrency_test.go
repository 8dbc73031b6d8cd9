package firewall

import (
	"fmt"
	"net"
	"strings"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestConcurrentAddDel adds and then deletes many attachments on two
// isolated bridges at once, as concurrent plugin processes would: every
// address is installed, and after the last DEL neither the table nor any
// state is left.
func TestConcurrentAddDel(t *testing.T) {
	plugintest.NewStateDir(t, nftutil.EnvStateDir)
	addBridges(t, "br0", "br1")
	const n = 24
	attach := func(i int) (*config, nftutil.Attachment) {
		bridge := fmt.Sprintf("br%d", i%2)
		prev := &current.Result{
			Interfaces: []*current.Interface{{Name: bridge}},
			IPs:        []*current.IPConfig{{Address: net.IPNet{IP: net.IPv4(10, 90, byte(i%2), byte(i+2)), Mask: net.CIDRMask(24, 32)}}},
		}
		return &config{network: "net" + bridge, policy: policyIsolated, prevResult: prev},
			nftutil.Attachment{Network: "net" + bridge, ContainerID: fmt.Sprintf("c%d", i), IfName: "eth0"}
	}
	plugintest.Parallel(t, n, func(i int) error { return add(attach(i)) })
	r, err := openRuleset()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for set, want := range map[string]int{"ips4": n, setPolicyBridges: 2, setIsolatedPairs: 2} {
		elems, err := r.GetSetElements(&nftables.Set{Table: inetTable, Name: set})
		if err != nil {
			t.Fatal(err)
		}
		if len(elems) != want {
			t.Errorf("%d elements in %s after %d concurrent ADDs, want %d", len(elems), set, n, want)
		}
	}
	plugintest.Parallel(t, n, func(i int) error {
		_, a := attach(i)
		return records.Del(a)
	})
	if rs := plugintest.Ruleset(t); strings.Contains(rs, tableName) {
		t.Errorf("table left after the last DEL:\n%s", rs)
	}
}
