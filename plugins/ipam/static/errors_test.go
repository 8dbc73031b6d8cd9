package static

import (
	"encoding/json"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestErrors wants every bad input to fail with a CNI error that names
// the field and the value, including a CNI_ARGS GATEWAY that fits none of
// the CNI_ARGS addresses, which the reference drops silently.
func TestErrors(t *testing.T) {
	hermetic.Require(t)
	p := plugintest.Executable(t, plugintest.Ours, "static")
	cases := []struct {
		name    string
		ipam    map[string]any
		top     map[string]any
		cniArgs string
		code    uint
		want    []string
	}{
		{name: "address without prefix", ipam: map[string]any{"addresses": addresses("10.10.0.1/24", "", "10.10.0.2", "")},
			code: types.ErrInvalidNetworkConfig, want: []string{"ipam.addresses[1].address", `"10.10.0.2"`, "CIDR"}},
		{name: "bad gateway", ipam: map[string]any{"addresses": addresses("10.10.0.1/24", "10.10.0")},
			code: types.ErrInvalidNetworkConfig, want: []string{"ipam.addresses[0].gateway", `"10.10.0"`}},
		{name: "bad CNI_ARGS IP", cniArgs: "IP=10.10.0.1/24,3ffe::1",
			code: types.ErrInvalidEnvironmentVariables, want: []string{"CNI_ARGS IP[1]", `"3ffe::1"`}},
		{name: "bad CNI_ARGS GATEWAY", cniArgs: "IP=10.10.0.1/24;GATEWAY=gw",
			code: types.ErrInvalidEnvironmentVariables, want: []string{"CNI_ARGS GATEWAY", `"gw"`}},
		{name: "CNI_ARGS GATEWAY outside the addresses", cniArgs: "IP=10.10.0.1/24;GATEWAY=10.20.0.1",
			code: types.ErrInvalidEnvironmentVariables, want: []string{"CNI_ARGS GATEWAY", "10.20.0.1"}},
		{name: "unknown CNI_ARGS key", cniArgs: "POD=x",
			code: types.ErrInvalidEnvironmentVariables, want: []string{"CNI_ARGS", "POD=x"}},
		{name: "bad args.cni.ips", top: map[string]any{"args": map[string]any{"cni": map[string]any{"ips": []string{"10.10.0.1"}}}},
			code: types.ErrInvalidNetworkConfig, want: []string{"args.cni.ips[0]", `"10.10.0.1"`}},
		{name: "bad runtimeConfig ips", top: map[string]any{"runtimeConfig": map[string]any{"ips": []string{"10.10.0.1/24", "x"}}},
			code: types.ErrInvalidNetworkConfig, want: []string{"runtimeConfig.ips[1]", `"x"`}},
		{name: "missing ipam", top: map[string]any{"ipam": nil},
			code: types.ErrInvalidNetworkConfig, want: []string{"'ipam'"}},
		{name: "two ipv4 addresses at 0.2.0", ipam: map[string]any{"addresses": addresses("10.10.0.1/24", "", "10.10.0.2/24", "")},
			top: map[string]any{"cniVersion": "0.2.0"}, code: types.ErrInvalidNetworkConfig, want: []string{"0.2.0", "2 IPv4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := run(t, p, "ADD", tc.cniArgs, netconf(t, "1.0.0", tc.ipam, tc.top)).WantError(t, append(tc.want, `network "net"`)...)
			if e.Code != tc.code {
				t.Errorf("error code %d, want %d", e.Code, tc.code)
			}
		})
	}
}

// TestCheck wants CHECK to pass when prevResult holds every configured
// address with its gateway, and to fail naming the address otherwise.
func TestCheck(t *testing.T) {
	hermetic.Require(t)
	p := plugintest.Executable(t, plugintest.Ours, "static")
	ipam := map[string]any{"addresses": addresses("10.10.0.1/24", "10.10.0.254", "3ffe:ffff:0:1ff::1/64", "")}
	for _, ver := range []string{"0.4.0", "1.0.0", "1.1.0"} {
		t.Run(ver, func(t *testing.T) {
			added := run(t, p, "ADD", "", netconf(t, ver, ipam, nil)).Ok(t)
			withPrev := func(edit func(ips []any)) string {
				var prev map[string]any
				if err := json.Unmarshal([]byte(added.Stdout), &prev); err != nil {
					t.Fatal(err)
				}
				edit(prev["ips"].([]any))
				return netconf(t, ver, ipam, map[string]any{"prevResult": prev})
			}
			run(t, p, "CHECK", "", withPrev(func([]any) {})).Ok(t)
			run(t, p, "CHECK", "", netconf(t, ver, ipam, nil)).WantError(t, "prevResult is missing")
			run(t, p, "CHECK", "", withPrev(func(ips []any) {
				ips[1].(map[string]any)["address"] = "3ffe:ffff:0:1ff::2/64"
			})).WantError(t, "3ffe:ffff:0:1ff::1/64", "not in prevResult")
			run(t, p, "CHECK", "", withPrev(func(ips []any) {
				ips[0].(map[string]any)["gateway"] = "10.10.0.253"
			})).WantError(t, "10.10.0.1/24", "10.10.0.253", "10.10.0.254")
		})
	}
}
