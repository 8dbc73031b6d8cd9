package static

import (
	"testing"

	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// never is a failsBelow of a configuration no version accepts.
const never = "99.0.0"

// staticRoutes and staticDNS decorate some cases.
var (
	staticRoutes = []any{
		map[string]any{"dst": "0.0.0.0/0", "gw": "10.10.0.254"},
		map[string]any{"dst": "3ffe:ffff:0:1ff::1/64", "gw": "3ffe:ffff::1"},
	}
	staticDNS = map[string]any{"nameservers": []string{"8.8.8.8"}, "domain": "example.com", "search": []string{"example.com"}, "options": []string{"ndots:2"}}
)

// TestDifferential runs ADD and DEL for each configuration through the
// reference plugin and ours, and wants the same result, or both to fail.
func TestDifferential(t *testing.T) {
	hermetic.Require(t)
	ourPlugin, refPlugin := plugintest.Executable(t, plugintest.Ours, "static"), plugintest.Executable(t, plugintest.Reference, "static")
	argsIPs := func(ips ...string) map[string]any {
		return map[string]any{"args": map[string]any{"cni": map[string]any{"ips": ips}}}
	}
	runtimeIPs := func(ips ...string) map[string]any {
		return map[string]any{"capabilities": map[string]any{"ips": true}, "runtimeConfig": map[string]any{"ips": ips}}
	}
	cases := []struct {
		name    string
		ipam    map[string]any
		top     map[string]any
		cniArgs string
		// failsBelow is the lowest cniVersion at which ADD succeeds;
		// "" when it always does, never when it never does.
		failsBelow string
	}{
		{name: "one address", ipam: map[string]any{"addresses": addresses("10.10.0.1/24", "10.10.0.254")}},
		{name: "host bits, routes and dns", ipam: map[string]any{
			"addresses": addresses("10.10.0.5/24", ""), "routes": staticRoutes, "dns": staticDNS}},
		{name: "dual stack", ipam: map[string]any{
			"addresses": addresses("10.10.0.1/24", "10.10.0.254", "3ffe:ffff:0:1ff::1/64", "3ffe:ffff:0:1ff::fe")}},
		{name: "two ipv4 addresses", ipam: map[string]any{
			"addresses": addresses("10.10.0.1/24", "", "11.11.0.1/24", "11.11.0.254")}, failsBelow: "0.3.0"},
		{name: "no addresses", ipam: map[string]any{"routes": staticRoutes}, failsBelow: "0.3.0"},
		{name: "CNI_ARGS", ipam: map[string]any{}, cniArgs: "IP=10.10.0.1/24,3ffe:ffff:0:1ff::1/64;GATEWAY=10.10.0.254"},
		{name: "CNI_ARGS after the configuration", ipam: map[string]any{"addresses": addresses("10.10.0.1/24", "10.10.0.254")},
			cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=pod;IP=3ffe:ffff:0:1ff::1/64"},
		{name: "args.cni.ips over the configuration and CNI_ARGS", ipam: map[string]any{"addresses": addresses("10.10.0.1/24", "10.10.0.254")},
			top: argsIPs("10.10.0.2/24", "3ffe:ffff:0:1ff::2/64"), cniArgs: "IP=11.11.0.3/24;GATEWAY=11.11.0.254"},
		{name: "runtimeConfig ips over args.cni.ips", ipam: map[string]any{"routes": staticRoutes, "dns": staticDNS},
			top: map[string]any{
				"capabilities":  map[string]any{"ips": true, "mac": true},
				"runtimeConfig": map[string]any{"ips": []string{"10.10.0.1/24", "3ffe:ffff:0:1ff::1/64"}, "mac": "c2:11:22:33:44:55"},
				"args":          map[string]any{"cni": map[string]any{"ips": []string{"10.10.0.2/24"}}}}},
		{name: "RuntimeConfig spelled with a capital", ipam: map[string]any{},
			top: map[string]any{"RuntimeConfig": map[string]any{"ips": []string{"10.10.0.7/16"}}}},
		{name: "runtimeConfig ips over a bad configuration", ipam: map[string]any{"addresses": addresses("10.10.0.1", "")},
			top: runtimeIPs("10.10.0.1/24")},
		{name: "missing ipam", top: map[string]any{"ipam": nil}, failsBelow: never},
		{name: "address without prefix", ipam: map[string]any{"addresses": addresses("10.10.0.1", "")}, failsBelow: never},
		{name: "bad gateway", ipam: map[string]any{"addresses": addresses("10.10.0.1/24", "10.10.0")}, failsBelow: never},
		{name: "bad CNI_ARGS IP", ipam: map[string]any{}, cniArgs: "IP=10.10.0.1", failsBelow: never},
		{name: "bad CNI_ARGS GATEWAY", ipam: map[string]any{}, cniArgs: "IP=10.10.0.1/24;GATEWAY=gw", failsBelow: never},
		{name: "unknown CNI_ARGS key", ipam: map[string]any{}, cniArgs: "POD=x", failsBelow: never},
		{name: "bad args.cni.ips", ipam: map[string]any{}, top: argsIPs("10.10.0.1"), failsBelow: never},
		{name: "bad runtimeConfig ips", ipam: map[string]any{}, top: runtimeIPs("3ffe::1"), failsBelow: never},
	}
	for _, tc := range cases {
		for _, ver := range versions {
			t.Run(tc.name+"/"+ver, func(t *testing.T) {
				conf := netconf(t, ver, tc.ipam, tc.top)
				for _, verb := range []string{"ADD", "DEL"} {
					got, want := run(t, ourPlugin, verb, tc.cniArgs, conf), run(t, refPlugin, verb, tc.cniArgs, conf)
					if wantFail := tc.failsBelow != "" && !atLeast(t, ver, tc.failsBelow); verb == "ADD" && (want.ExitCode != 0) != wantFail {
						t.Fatalf("reference ADD: exit code %d, want failure %v: %s", want.ExitCode, wantFail, want.Stdout)
					}
					plugintest.SameOutcome(t, verb, got, want)
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
