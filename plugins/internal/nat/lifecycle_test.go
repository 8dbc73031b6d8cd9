package nat

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// mustSetup sets up each attachment with the address addr(i).
func mustSetup(t *testing.T, atts []Attachment, addr func(i int) string) {
	t.Helper()
	for i, a := range atts {
		if err := Setup(a, cidrs(t, addr(i))); err != nil {
			t.Fatal(err)
		}
	}
}

// mustTeardown tears down each attachment.
func mustTeardown(t *testing.T, atts []Attachment) {
	t.Helper()
	for _, a := range atts {
		if err := Teardown(a); err != nil {
			t.Fatal(err)
		}
	}
}

// wantGone fails t unless cnictl's table and state are gone.
func wantGone(t *testing.T, root string) {
	t.Helper()
	if st := listRuleset(t); st.Tables != 0 {
		t.Errorf("table %s is left: %+v", tableName, st)
	}
	var files []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("state files are left: %v", files)
	}
}

// TestOneMapConstantRules sets up many attachments on two networks: they
// become elements of one map, and the number of rules depends only on the
// number of network subnets.
func TestOneMapConstantRules(t *testing.T) {
	root := newEnv(t)
	netA, netB := attachments("neta", 150), attachments("netb", 50)
	mustSetup(t, netA[:10], func(i int) string { return addr4(1, i) })
	small := listRuleset(t)
	mustSetup(t, netA[10:], func(i int) string { return addr4(1, i+10) })
	mustSetup(t, netB, func(i int) string { return addr4(2, i) })
	big := listRuleset(t)

	if big.Tables != 1 || len(big.Elements) != 2 {
		t.Fatalf("want one table with two maps, got %+v", big)
	}
	if got := len(big.Elements["masq4"]); got != 200 {
		t.Errorf("masq4 holds %d elements, want 200", got)
	}
	if got := big.Elements["masq4"]["10.1.0.2"]; got != "masq-neta-10.1.0.0/16" {
		t.Errorf("10.1.0.2 jumps to %q", got)
	}
	if got := big.Elements["masq4"]["10.2.0.51"]; got != "masq-netb-10.2.0.0/16" {
		t.Errorf("10.2.0.51 jumps to %q", got)
	}
	// postrouting: 4 rules; each network subnet chain: 2.
	if small.Rules != 6 || big.Rules != 8 {
		t.Errorf("rules: %d with 10 attachments, %d with 200; want 6 and 8", small.Rules, big.Rules)
	}
	wantChains := []string{"masq-neta-10.1.0.0/16", "masq-netb-10.2.0.0/16", "postrouting"}
	if slices.Sort(big.Chains); !slices.Equal(big.Chains, wantChains) {
		t.Errorf("chains %v, want %v", big.Chains, wantChains)
	}

	mustTeardown(t, netB)
	if st := listRuleset(t); len(st.Elements["masq4"]) != 150 || slices.Contains(st.Chains, "masq-netb-10.2.0.0/16") {
		t.Errorf("after tearing down netb: %d elements, chains %v", len(st.Elements["masq4"]), st.Chains)
	}
	if err := GC("neta", nil); err != nil {
		t.Fatal(err)
	}
	wantGone(t, root)
}

// TestIdempotent repeats every operation.
func TestIdempotent(t *testing.T) {
	root := newEnv(t)
	a := Attachment{Network: "net1", ContainerID: "c1", IfName: "eth0"}
	if err := Teardown(a); err != nil {
		t.Fatalf("Teardown before any Setup: %v", err)
	}
	if err := GC("net1", nil); err != nil {
		t.Fatalf("GC before any Setup: %v", err)
	}
	ips := cidrs(t, "10.66.0.2/24")
	for range 2 {
		if err := Setup(a, ips); err != nil {
			t.Fatal(err)
		}
	}
	if err := Check(a, ips); err != nil {
		t.Fatal(err)
	}
	if st := listRuleset(t); len(st.Elements["masq4"]) != 1 || st.Rules != 6 {
		t.Errorf("after two Setups: %+v", st)
	}
	for range 2 {
		if err := Teardown(a); err != nil {
			t.Fatal(err)
		}
	}
	wantGone(t, root)
}

// TestDualStack masquerades an IPv4 and an IPv6 address of one attachment.
func TestDualStack(t *testing.T) {
	root := newEnv(t)
	a := Attachment{Network: "dual", ContainerID: "c1", IfName: "eth0"}
	ips := cidrs(t, "fd00:66::2/64", "10.66.0.2/24")
	if err := Setup(a, ips); err != nil {
		t.Fatal(err)
	}
	st := listRuleset(t)
	if got := st.Elements["masq6"]["fd00:66::2"]; got != "masq-dual-fd00_66__/64" {
		t.Errorf("fd00:66::2 jumps to %q; ruleset %+v", got, st)
	}
	if got := st.Elements["masq4"]["10.66.0.2"]; got != "masq-dual-10.66.0.0/24" {
		t.Errorf("10.66.0.2 jumps to %q", got)
	}
	if err := Check(a, ips); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("nft", "list", "table", "inet", tableName).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, want := range []string{"ip6 daddr fd00:66::/64 return", "ip daddr 224.0.0.0/4 return", "ip6 saddr vmap @masq6", `comment "dual c1 eth0"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ruleset lacks %q:\n%s", want, out)
		}
	}
	if err := Teardown(a); err != nil {
		t.Fatal(err)
	}
	wantGone(t, root)
}

// TestGC keeps the valid attachments of one network and leaves the other
// networks alone.
func TestGC(t *testing.T) {
	root := newEnv(t)
	net1, net2 := attachments("net1", 5), attachments("net2", 2)
	mustSetup(t, net1, func(i int) string { return addr4(1, i) })
	mustSetup(t, net2, func(i int) string { return addr4(2, i) })
	valid := []types.GCAttachment{{ContainerID: "c1", IfName: "eth0"}, {ContainerID: "c3", IfName: "eth0"}, {ContainerID: "c3", IfName: "eth1"}}
	if err := GC("net1", valid); err != nil {
		t.Fatal(err)
	}
	st := listRuleset(t)
	want := []string{"10.1.0.3", "10.1.0.5", "10.2.0.2", "10.2.0.3"}
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range st.Elements["masq4"] {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(got, want) {
		t.Errorf("after GC: elements %v, want %v", got, want)
	}
	for i, a := range net1 {
		err := Check(a, cidrs(t, addr4(1, i)))
		if kept := i == 1 || i == 3; kept != (err == nil) {
			t.Errorf("Check %s after GC: %v", a.ContainerID, err)
		}
	}
	if err := GC("net1", nil); err != nil {
		t.Fatal(err)
	}
	if err := GC("net2", nil); err != nil {
		t.Fatal(err)
	}
	wantGone(t, root)
}

// TestCheckFailures tampers with what Setup installed.
func TestCheckFailures(t *testing.T) {
	newEnv(t)
	a := Attachment{Network: "net1", ContainerID: "c1", IfName: "eth0"}
	ips := cidrs(t, "10.66.0.2/24")
	if err := Check(a, ips); err == nil || !strings.Contains(err.Error(), "no masquerading") {
		t.Fatalf("Check before Setup: %v", err)
	}
	if err := Setup(a, ips); err != nil {
		t.Fatal(err)
	}
	defer Teardown(a)
	if err := Check(a, cidrs(t, "10.66.0.3/24")); err == nil {
		t.Error("Check with other addresses succeeded")
	}
	nft := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("nft", args...).CombinedOutput(); err != nil {
			t.Fatalf("nft %v: %v: %s", args, err, out)
		}
	}
	nft("delete", "element", "inet", tableName, "masq4", "{ 10.66.0.2 }")
	if err := Check(a, ips); err == nil || !strings.Contains(err.Error(), "missing from map masq4") {
		t.Errorf("Check without the element: %v", err)
	}
	if err := Setup(a, ips); err != nil {
		t.Fatalf("Setup repairing the element: %v", err)
	}
	if err := Check(a, ips); err != nil {
		t.Fatalf("Check after repair: %v", err)
	}
	nft("flush", "chain", "inet", tableName, "masq-net1-10.66.0.0/24")
	nft("add", "rule", "inet", tableName, "masq-net1-10.66.0.0/24", "ip", "daddr", "10.66.0.0/16", "return")
	nft("add", "rule", "inet", tableName, "masq-net1-10.66.0.0/24", "masquerade")
	if err := Check(a, ips); err == nil || !strings.Contains(err.Error(), "rule 1 of chain masq-net1-10.66.0.0/24") {
		t.Errorf("Check with a changed rule: %v", err)
	}
}

// TestAddressTakenOver sets up an address for a second attachment while the
// first still holds it: the last one owns the element, and tearing down
// the first leaves it.
func TestAddressTakenOver(t *testing.T) {
	root := newEnv(t)
	stale := Attachment{Network: "net1", ContainerID: "stale", IfName: "eth0"}
	fresh := Attachment{Network: "net2", ContainerID: "fresh", IfName: "eth0"}
	ips := cidrs(t, "10.66.0.2/24")
	if err := Setup(stale, ips); err != nil {
		t.Fatal(err)
	}
	if err := Setup(fresh, ips); err != nil {
		t.Fatal(err)
	}
	if err := Check(stale, ips); err == nil {
		t.Error("Check of the stale attachment succeeded")
	}
	if err := Teardown(stale); err != nil {
		t.Fatal(err)
	}
	st := listRuleset(t)
	if got := st.Elements["masq4"]["10.66.0.2"]; got != "masq-net2-10.66.0.0/24" {
		t.Errorf("after tearing down the stale attachment: 10.66.0.2 jumps to %q", got)
	}
	if slices.Contains(st.Chains, "masq-net1-10.66.0.0/24") {
		t.Errorf("the stale attachment's chain is left: %v", st.Chains)
	}
	if err := Check(fresh, ips); err != nil {
		t.Error(err)
	}
	if err := Teardown(fresh); err != nil {
		t.Fatal(err)
	}
	wantGone(t, root)
}

// TestSetupReplacesAddresses sets up an attachment again with other
// addresses.
func TestSetupReplacesAddresses(t *testing.T) {
	root := newEnv(t)
	a := Attachment{Network: "net1", ContainerID: "c1", IfName: "eth0"}
	if err := Setup(a, cidrs(t, "10.66.0.2/24", "fd00::2/64")); err != nil {
		t.Fatal(err)
	}
	// Same IPv4 address in a wider subnet, IPv6 address gone.
	ips := cidrs(t, "10.66.0.2/16")
	if err := Setup(a, ips); err != nil {
		t.Fatal(err)
	}
	if err := Check(a, ips); err != nil {
		t.Fatal(err)
	}
	st := listRuleset(t)
	if len(st.Elements["masq6"]) != 0 || st.Elements["masq4"]["10.66.0.2"] != "masq-net1-10.66.0.0/16" {
		t.Errorf("after the second Setup: %+v", st)
	}
	if want := []string{"masq-net1-10.66.0.0/16", "postrouting"}; !slices.Equal(slices.Sorted(slices.Values(st.Chains)), want) {
		t.Errorf("chains %v, want %v", st.Chains, want)
	}
	if err := Teardown(a); err != nil {
		t.Fatal(err)
	}
	wantGone(t, root)
}

// TestRecoversFromLostRuleset tears down and sets up again after the
// ruleset was flushed behind cnictl's back (a reboot keeps the state files
// and loses the ruleset).
func TestRecoversFromLostRuleset(t *testing.T) {
	root := newEnv(t)
	atts := attachments("net1", 3)
	mustSetup(t, atts, func(i int) string { return addr4(1, i) })
	if out, err := exec.Command("nft", "delete", "table", "inet", tableName).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if err := Teardown(atts[0]); err != nil {
		t.Fatal(err)
	}
	if err := Setup(atts[1], cidrs(t, addr4(1, 1))); err != nil {
		t.Fatal(err)
	}
	if err := Check(atts[1], cidrs(t, addr4(1, 1))); err != nil {
		t.Fatal(err)
	}
	mustTeardown(t, atts[1:])
	wantGone(t, root)
}

// TestInvalidInput rejects what cannot be named in files and chains.
func TestInvalidInput(t *testing.T) {
	newEnv(t)
	ok := cidrs(t, "10.66.0.2/24")
	for _, tc := range []struct {
		a    Attachment
		ips  []*net.IPNet
		want string
	}{
		{Attachment{Network: "../x", ContainerID: "c1", IfName: "eth0"}, ok, "invalid network name"},
		{Attachment{Network: "net1", ContainerID: "c/1", IfName: "eth0"}, ok, "invalid container ID"},
		{Attachment{Network: "net1", ContainerID: "c1", IfName: "eth:0"}, ok, "invalid ifname"},
		{Attachment{Network: "net1", ContainerID: "c1", IfName: "eth0"}, nil, "no addresses"},
		{Attachment{Network: "net1", ContainerID: "c1", IfName: "eth0"}, []*net.IPNet{nil}, "nil address"},
		{Attachment{Network: "net1", ContainerID: "c1", IfName: "eth0"}, cidrs(t, "10.66.0.2/24", "10.66.0.2/16"), "given twice"},
		{Attachment{Network: strings.Repeat("n", 250), ContainerID: "c1", IfName: "eth0"}, ok, "too long"},
	} {
		err := Setup(tc.a, tc.ips)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Setup(%v, %v): %v, want an error with %q", tc.a, tc.ips, err, tc.want)
		}
	}
	if err := Teardown(Attachment{Network: "net1", ContainerID: "c1", IfName: ".."}); err == nil {
		t.Error("Teardown with ifname .. succeeded")
	}
	if err := GC("a/b", nil); err == nil {
		t.Error("GC of network a/b succeeded")
	}
	if _, err := os.Stat(nftutil.StateDir(stateName)); !os.IsNotExist(err) {
		t.Errorf("rejected calls created the state directory (%v)", err)
	}
}

// TestStaleElementReplaced plants a map element that no attachment
// recorded for an address, jumping to another network's chain, as a crash
// between the ruleset and the state, or a hand, would leave it: the kernel
// refuses to add an element whose key is there with another value, so
// Setup replaces it.
func TestStaleElementReplaced(t *testing.T) {
	root := newEnv(t)
	a := Attachment{Network: "net1", ContainerID: "c1", IfName: "eth0"}
	b := Attachment{Network: "net2", ContainerID: "c2", IfName: "eth0"}
	if err := Setup(a, cidrs(t, "10.66.0.2/24")); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("nft", "add", "element", "inet", tableName, "masq4", "{ 10.77.0.2 : jump masq-net1-10.66.0.0/24 }").CombinedOutput(); err != nil {
		t.Fatalf("planting the stale element: %v: %s", err, out)
	}
	ips := cidrs(t, "10.77.0.2/24")
	if err := Setup(b, ips); err != nil {
		t.Fatal(err)
	}
	if got := listRuleset(t).Elements["masq4"]["10.77.0.2"]; got != "masq-net2-10.77.0.0/24" {
		t.Errorf("10.77.0.2 jumps to %q, want masq-net2-10.77.0.0/24", got)
	}
	if err := Check(b, ips); err != nil {
		t.Error(err)
	}
	mustTeardown(t, []Attachment{a, b})
	wantGone(t, root)
}
