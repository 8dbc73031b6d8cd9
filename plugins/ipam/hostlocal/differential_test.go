package hostlocal

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// diffCase is a configuration run through both plugins.
type diffCase struct {
	name    string
	ipam    map[string]any
	top     map[string]any
	cniArgs string
	// failsBelow is the lowest cniVersion at which the first ADD
	// succeeds; "" when it always does, never when it never does.
	failsBelow string
}

// never is a failsBelow of a configuration no version accepts.
const never = "99.0.0"

// diffCases covers the configuration forms of the reference plugin.
func diffCases(t *testing.T) []diffCase {
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	err := os.WriteFile(resolv, []byte("# comment\nnameserver 10.0.0.53\nnameserver fd00::53\ndomain example.com\nsearch a.example.com b.example.com\noptions ndots:2 edns0\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return []diffCase{
		{name: "legacy subnet", ipam: subnet("10.1.0.0/24")},
		{name: "legacy range and gateway", ipam: map[string]any{
			"subnet": "10.2.0.0/24", "rangeStart": "10.2.0.100", "rangeEnd": "10.2.0.102", "gateway": "10.2.0.101"}},
		{name: "ipv6 subnet", ipam: subnet("fd00:3::/64")},
		{name: "dual stack ranges", ipam: map[string]any{"ranges": []any{
			[]any{map[string]any{"subnet": "10.4.0.0/24"}},
			[]any{map[string]any{"subnet": "fd00:4::/64", "rangeStart": "fd00:4::10"}}}}},
		{name: "range set of two subnets", ipam: map[string]any{"ranges": []any{[]any{
			map[string]any{"subnet": "10.5.0.0/30"},
			map[string]any{"subnet": "10.5.1.0/30"}}}}},
		{name: "two ipv4 range sets", ipam: map[string]any{"ranges": []any{
			[]any{map[string]any{"subnet": "10.6.0.0/24"}},
			[]any{map[string]any{"subnet": "10.6.1.0/24"}}}}, failsBelow: "0.3.0"},
		{name: "routes", ipam: map[string]any{"subnet": "10.7.0.0/24", "routes": []any{
			map[string]any{"dst": "0.0.0.0/0"},
			map[string]any{"dst": "192.168.0.0/16", "gw": "10.7.0.254"}}}},
		{name: "resolvConf", ipam: map[string]any{"subnet": "10.8.0.0/24", "resolvConf": resolv}},
		{name: "CNI_ARGS IP", ipam: subnet("10.9.0.0/24"), cniArgs: "IP=10.9.0.77"},
		{name: "CNI_ARGS IP with IgnoreUnknown", ipam: subnet("10.9.0.0/24"),
			cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=pod;IP=10.9.0.78"},
		{name: "CNI_ARGS unknown key", ipam: subnet("10.9.0.0/24"), cniArgs: "K8S_POD_NAME=pod", failsBelow: never},
		{name: "args.cni.ips", ipam: map[string]any{"ranges": []any{
			[]any{map[string]any{"subnet": "10.10.0.0/24"}},
			[]any{map[string]any{"subnet": "fd00:10::/64"}}}},
			top: map[string]any{"args": map[string]any{"cni": map[string]any{"ips": []string{"fd00:10::99", "10.10.0.99"}}}}},
		{name: "runtimeConfig ips", ipam: subnet("10.11.0.0/24"), top: map[string]any{
			"capabilities": map[string]any{"ips": true}, "runtimeConfig": map[string]any{"ips": []string{"10.11.0.42/24"}}}},
		{name: "runtimeConfig ipRanges", ipam: subnet("10.12.0.0/24"), top: map[string]any{
			"runtimeConfig": map[string]any{"ipRanges": []any{[]any{map[string]any{"subnet": "10.13.0.0/24"}}}}},
			failsBelow: "0.3.0"},
		{name: "requested IP outside ranges", ipam: subnet("10.14.0.0/24"), cniArgs: "IP=10.99.0.1", failsBelow: never},
		{name: "requested gateway", ipam: subnet("10.15.0.0/24"), cniArgs: "IP=10.15.0.1", failsBelow: never},
		{name: "subnet too small", ipam: subnet("10.16.0.0/31"), failsBelow: never},
		{name: "no ranges", ipam: map[string]any{}, failsBelow: never},
	}
}

// TestDifferential runs each configuration through the reference plugin and
// ours, each with a fresh allocation directory, and wants the same
// outcomes, results and directory contents: three ADDs, then a DEL each.
// Where a call fails, only the allocations must agree: the reference may
// have moved its round-robin cursor (last_reserved_ip.*) before failing,
// ours fails before it allocates anything.
func TestDifferential(t *testing.T) {
	hermetic.Require(t)
	ourPlugin, refPlugin := ours(t), reference(t)
	for _, tc := range diffCases(t) {
		for _, ver := range append([]string{"0.1.0"}, versions...) {
			t.Run(fmt.Sprintf("%s/%s", tc.name, ver), func(t *testing.T) {
				ourDir, refDir := t.TempDir(), t.TempDir()
				ourConf := netconf(t, ver, ourDir, tc.ipam, tc.top)
				refConf := netconf(t, ver, refDir, tc.ipam, tc.top)
				failed := false
				for _, verb := range []string{"ADD", "DEL"} {
					for i := range 3 {
						c := plugintest.Call{Command: verb, ContainerID: fmt.Sprintf("c%d", i), IfName: "eth0", Args: tc.cniArgs}
						c.Conf = ourConf
						got := ourPlugin.run(t, c)
						c.Conf = refConf
						want := refPlugin.run(t, c)
						plugintest.SameOutcome(t, fmt.Sprintf("%s %s", verb, c.ContainerID), got, want)
						failed = failed || want.ExitCode != 0
						if verb == "ADD" && i == 0 {
							wantFail := tc.failsBelow != "" && !atLeast(t, ver, tc.failsBelow)
							if (want.ExitCode != 0) != wantFail {
								t.Fatalf("reference first ADD: exit code %d, want failure %v: %s", want.ExitCode, wantFail, want.Stdout)
							}
						}
					}
					if g, w := allocated(t, ourDir), allocated(t, refDir); !slices.Equal(g, w) {
						t.Errorf("after %s: allocations\n got %v\nwant %v", verb, g, w)
					}
					if g, w := files(t, ourDir), files(t, refDir); !failed && !maps.Equal(g, w) {
						t.Errorf("after %s: allocation directory\n got %v\nwant %v", verb, g, w)
					}
				}
			})
		}
	}
}

// atLeast reports whether cniVersion ver is min or later.
func atLeast(t *testing.T, ver, min string) bool {
	t.Helper()
	ok, err := version.GreaterThanOrEqualTo(ver, min)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
