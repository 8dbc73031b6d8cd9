package firewall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/netnsmgr"
	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/nftutil/nfttest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestGC forgets an attachment, as a runtime that lost track of it would:
// GC with only the other one valid removes the forgotten one's address
// and keeps the valid one's.
func TestGC(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "fwgc")
	l := e.Network(nfttest.Bridge{Name: "fwgc", Device: "cnifwgc", Subnets: []string{"10.85.0.0/24"}},
		firewallConf(map[string]any{"ingressPolicy": policyIsolated}))
	c1, c2 := e.Add(l, "c1", nil), e.Add(l, "c2", nil)
	c2.Forget()
	if err := e.CNI.GC(context.Background(), l, []types.GCAttachment{{ContainerID: "c1", IfName: "eth0"}}); err != nil {
		t.Fatalf("GC: %v", err)
	}
	rs := plugintest.Ruleset(t)
	if !strings.Contains(rs, c1.IP(false).String()+` comment "fwgc c1 eth0"`) || strings.Contains(rs, c2.IP(false).String()) {
		t.Errorf("after GC, the ruleset should hold c1's address and not c2's:\n%s", rs)
	}
	if !strings.Contains(rs, `"cnifwgc" . "cnifwgc"`) {
		t.Errorf("after GC, the bridge of c1 should still be isolated:\n%s", rs)
	}
	if err := c1.Check(); err != nil {
		t.Errorf("CHECK of c1 after GC: %v", err)
	}
	// The reference bridge has no GC: DEL releases c2's address.
	c2.Del()
}

// TestCheckFindsMissingElement deletes a set element behind the plugin's
// back: CHECK says which, and DEL still cleans up.
func TestCheckFindsMissingElement(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "fwcheck")
	l := e.Network(nfttest.Bridge{Name: "fwcheck", Device: "cnifwck", Subnets: []string{"10.86.0.0/24"}}, firewallConf(nil))
	c1 := e.Add(l, "c1", nil)
	ip := c1.IP(false).String()
	out, err := exec.Command("nft", "delete", "element", "inet", tableName, "ips4", "{ "+ip+" }").CombinedOutput()
	if err != nil {
		t.Fatalf("deleting the element: %v: %s", err, out)
	}
	if err := c1.Check(); err == nil || !strings.Contains(err.Error(), "set ips4 has no element for address "+ip) {
		t.Errorf("CHECK after the element was deleted: %v", err)
	}
	c1.Del()
}

// TestLegacyForwardDrop sets the FORWARD policy of iptables-legacy to DROP
// in a namespace of its own: ADD fails before it changes anything, and
// says why. The policy of another chain or rules before the policy do not
// confuse it, and asking does not create legacy tables.
func TestLegacyForwardDrop(t *testing.T) {
	hermetic.Require(t)
	t.Setenv(nftutil.EnvStateDir, t.TempDir())
	m := netnsmgr.New("")
	eph, err := m.NewEphemeral("legacy")
	if err != nil {
		t.Fatal(err)
	}
	defer eph.Close()
	legacy := func(args ...string) {
		t.Helper()
		if err := m.Run(context.Background(), eph.Path, exec.Command(args[0], args[1:]...)); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	check := func() error {
		var err error
		if doErr := netnsmgr.Do(eph.Path, func() error { err = checkLegacyForward(); return nil }); doErr != nil {
			t.Fatal(doErr)
		}
		return err
	}
	if err := check(); err != nil {
		t.Fatalf("without legacy tables: %v", err)
	}
	var names []byte
	netnsmgr.Do(eph.Path, func() error { names, _ = os.ReadFile("/proc/thread-self/net/ip_tables_names"); return nil })
	if strings.Contains(string(names), "filter") {
		t.Fatal("checking created the legacy filter table")
	}
	legacy("iptables-legacy", "-P", "INPUT", "DROP")
	legacy("iptables-legacy", "-A", "FORWARD", "-s", "10.0.0.0/8", "-m", "comment", "--comment", "admin", "-j", "ACCEPT")
	if err := check(); err != nil {
		t.Errorf("with FORWARD policy ACCEPT: %v", err)
	}
	legacy("iptables-legacy", "-P", "FORWARD", "DROP")
	conf := &config{network: "legacy", prevResult: &current.Result{
		IPs: []*current.IPConfig{{Address: net.IPNet{IP: net.IPv4(10, 1, 0, 2), Mask: net.CIDRMask(24, 32)}}},
	}}
	var addErr error
	netnsmgr.Do(eph.Path, func() error {
		addErr = add(conf, nftutil.Attachment{Network: "legacy", ContainerID: "c1", IfName: "eth0"})
		return nil
	})
	if addErr == nil || !strings.Contains(addErr.Error(), "the FORWARD chain of iptables-legacy has policy DROP") || !errors.Is(addErr, errLegacyDrop) {
		t.Errorf("ADD with iptables-legacy dropping: %v", addErr)
	}
	if _, err := os.Stat(nftutil.StateDir(pluginName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed ADD made its state directory (%v)", err)
	}
	var statusErr error
	netnsmgr.Do(eph.Path, func() error {
		statusErr = cmdStatus(&skel.CmdArgs{StdinData: []byte(`{"cniVersion": "1.1.0", "name": "legacy", "type": "firewall"}`)})
		return nil
	})
	var cniErr *types.Error
	if !errors.As(statusErr, &cniErr) || cniErr.Code != plugins.ErrPluginNotAvailable {
		t.Errorf("STATUS with iptables-legacy dropping: %v, want code 50", statusErr)
	}
	legacy("iptables-legacy", "-P", "FORWARD", "ACCEPT")
	legacy("ip6tables-legacy", "-P", "FORWARD", "DROP")
	if err := check(); err == nil || !strings.Contains(err.Error(), "ip6tables-legacy has policy DROP") {
		t.Errorf("with ip6tables-legacy dropping: %v", err)
	}
	legacy("ip6tables-legacy", "-P", "FORWARD", "ACCEPT")
	if err := check(); err != nil {
		t.Errorf("with both policies ACCEPT again: %v", err)
	}
}

// load runs loadConfig on the configuration with the given fields and a
// prevResult.
func load(t *testing.T, fields map[string]any) (*config, error) {
	t.Helper()
	conf := map[string]any{
		"cniVersion": "1.0.0", "name": "net1", "type": "firewall",
		"prevResult": map[string]any{"cniVersion": "1.0.0", "ips": []any{map[string]any{"address": "10.1.0.2/24"}}},
	}
	for k, v := range fields {
		conf[k] = v
	}
	data, err := json.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	return loadConfig(&skel.CmdArgs{ContainerID: "c1", IfName: "eth0", StdinData: data})
}

// TestConfigErrors feeds invalid configurations: each is a CNI error of
// code 7 that says what is wrong.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[string]any
		want   string
	}{
		{"firewalld", map[string]any{"backend": "firewalld"}, `backend "firewalld" is not supported: cnictl's firewall plugin programs nftables itself`},
		{"backend", map[string]any{"backend": "nftables"}, `unknown backend "nftables"`},
		{"policy", map[string]any{"ingressPolicy": "closed"}, `unknown ingress policy "closed"`},
		{"network", map[string]any{"name": "my net"}, `invalid network name "my net"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.fields)
			var cniErr *types.Error
			if !errors.As(err, &cniErr) || cniErr.Code != types.ErrInvalidNetworkConfig || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a CNI error of code 7 containing %q", err, tc.want)
			}
		})
	}
	conf, err := load(t, map[string]any{"ingressPolicy": policySameBridge, "iptablesAdminChainName": "ADMIN", "backend": "iptables"})
	if err != nil {
		t.Fatalf("valid configuration: %v", err)
	}
	_, err = newRecord(conf, nftutil.Attachment{Network: "net1", ContainerID: "c1", IfName: "eth0"})
	if err == nil || !strings.Contains(err.Error(), `ingressPolicy "same-bridge" of network "net1" needs a bridge plugin first in the chain`) {
		t.Errorf("same-bridge without interfaces in prevResult: %v", err)
	}
}

// TestStateLayout checks what an ADD leaves in the state directory.
func TestStateLayout(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "fwstate")
	l := e.Network(nfttest.Bridge{Name: "fwstate", Device: "cnifwst", Subnets: []string{"10.87.0.0/24"}},
		firewallConf(map[string]any{"ingressPolicy": policySameBridge}))
	c1 := e.Add(l, "c1", nil)
	var files []string
	filepath.WalkDir(e.StateDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(e.StateDir, path)
			files = append(files, rel)
		}
		return nil
	})
	want := []string{
		"firewall/attachments/fwstate/c1:eth0",
		"firewall/holds/addr/" + c1.IP(false).String() + "/fwstate:c1:eth0",
		"firewall/holds/bridge/cnifwst/fwstate:c1:eth0",
	}
	slices.Sort(files)
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Errorf("state files %v, want %v", files, want)
	}
}

// TestConstantRules adds 10 attachments, then 190 more, dual-stack, on two
// bridges, one isolated, on a host whose FORWARD policy is DROP: the table
// has the same chains and rules after 200 as after 10, only the address
// sets grow, and iptables' FORWARD chains keep one rule of cnictl's. GC
// of both networks removes the table and that rule.
func TestConstantRules(t *testing.T) {
	newEnv(t, plugintest.Ours)
	iptables(t, "iptables", "-P", "FORWARD", "DROP")
	iptables(t, "ip6tables", "-P", "FORWARD", "DROP")
	addBridges(t, "bra", "brb")
	// addUpTo adds attachments from to to-1, the even ones on bridge bra
	// (same-bridge), the odd ones on brb (isolated).
	addUpTo := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			network, bridge, policy := "neta", "bra", policySameBridge
			if i%2 == 1 {
				network, bridge, policy = "netb", "brb", policyIsolated
			}
			prev := &current.Result{
				Interfaces: []*current.Interface{{Name: bridge}},
				IPs: []*current.IPConfig{
					{Address: net.IPNet{IP: net.IPv4(10, 93, byte(i/256), byte(i%256)), Mask: net.CIDRMask(16, 32)}},
					{Address: net.IPNet{IP: net.ParseIP(fmt.Sprintf("fd00:93::%x", i+2)), Mask: net.CIDRMask(64, 128)}},
				},
			}
			conf := &config{network: network, policy: policy, prevResult: prev}
			if err := add(conf, nftutil.Attachment{Network: network, ContainerID: fmt.Sprintf("c%d", i), IfName: "eth0"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// wantElements are the elements of each set with n attachments.
	wantElements := func(n int) map[string]int {
		return map[string]int{"ips4": n, "ips6": n, setPolicyBridges: 2, setBridgePairs: 2, setIsolatedPairs: 1}
	}
	addUpTo(0, 10)
	small := nfttest.ListTable(t, "inet", tableName)
	addUpTo(10, 200)
	big := nfttest.ListTable(t, "inet", tableName)
	if small.Rules == 0 || len(small.Chains) == 0 {
		t.Fatalf("with 10 attachments: chains %v, %d rules", small.Chains, small.Rules)
	}
	if big.Rules != small.Rules || !slices.Equal(big.Chains, small.Chains) {
		t.Errorf("%d rules in chains %v with 10 attachments, %d in %v with 200", small.Rules, small.Chains, big.Rules, big.Chains)
	}
	for n, tab := range map[int]nfttest.Table{10: small, 200: big} {
		if want := wantElements(n); !maps.Equal(tab.Elements, want) {
			t.Errorf("elements with %d attachments: %v, want %v", n, tab.Elements, want)
		}
	}
	for _, cmd := range []string{"iptables", "ip6tables"} {
		if got := iptables(t, cmd, "-S", "FORWARD"); strings.Count(got, forwardComment) != 1 {
			t.Errorf("%s -S FORWARD with 200 attachments:\n%s\nwant one rule of cnictl's", cmd, got)
		}
	}
	for _, network := range []string{"neta", "netb"} {
		if err := records.GC(network, nil); err != nil {
			t.Fatal(err)
		}
	}
	if rs := plugintest.Ruleset(t); strings.Contains(rs, tableName) || strings.Contains(rs, forwardComment) {
		t.Errorf("table or FORWARD rule left after GC:\n%s", rs)
	}
}

// TestForeignRulesUntouched attaches containers on a host whose FORWARD
// policy is DROP, next to another program's nftables table and iptables
// rules: ADD, GC and DEL leave them as they were, but for cnictl's own
// rule in the FORWARD chains while containers are attached.
func TestForeignRulesUntouched(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "fwforeign")
	iptables(t, "iptables", "-P", "FORWARD", "DROP")
	iptables(t, "ip6tables", "-P", "FORWARD", "DROP")
	f := e.AddForeign()
	l := e.Network(nfttest.Bridge{Name: "fwforeign", Device: "cnifwfo", Subnets: []string{"10.94.0.0/24", "fd00:94::/64"}},
		firewallConf(map[string]any{"ingressPolicy": policyIsolated}))
	c1, c2 := e.Add(l, "c1", nil), e.Add(l, "c2", nil)
	for _, cmd := range []string{"iptables", "ip6tables"} {
		if got := iptables(t, cmd, "-S", "FORWARD"); !strings.Contains(got, forwardComment) {
			t.Fatalf("%s -S FORWARD after ADD has no rule of cnictl's:\n%s", cmd, got)
		}
	}
	f.Unchanged("after ADD", forwardComment)
	c2.Forget()
	if err := e.CNI.GC(context.Background(), l, []types.GCAttachment{{ContainerID: "c1", IfName: "eth0"}}); err != nil {
		t.Fatalf("GC: %v", err)
	}
	f.Unchanged("after GC", forwardComment)
	c1.Del()
	f.Unchanged("after the last DEL")
	// The reference bridge has no GC: DEL releases c2's address.
	c2.Del()
}
