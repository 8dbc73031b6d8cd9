package hostlocal

import (
	"slices"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// dualStack is a network of one IPv4 and one IPv6 range set.
var dualStack = map[string]any{"ranges": []any{
	[]any{map[string]any{"subnet": "10.20.0.0/24"}},
	[]any{map[string]any{"subnet": "fd00:20::/64", "rangeStart": "fd00:20::10", "rangeEnd": "fd00:20::ff"}},
}}

// TestAddErrors wants a failed ADD to exit non-zero with a CNI error that
// names the address and the range, and to leave no allocation behind.
func TestAddErrors(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	const set0, set1 = "range set 0 (10.20.0.1-10.20.0.254)", "range set 1 (fd00:20::10-fd00:20::ff)"
	cases := []struct {
		name string
		// first is added as container c1 before the failing ADD of c2.
		first   string
		cniArgs string
		top     map[string]any
		code    uint
		want    []string
	}{
		{name: "outside every range", cniArgs: "IP=10.99.0.1",
			code: types.ErrInternal, want: []string{"10.99.0.1", "outside every range", set0, set1}},
		{name: "gateway", cniArgs: "IP=10.20.0.1",
			code: types.ErrInternal, want: []string{"10.20.0.1", "gateway", set0}},
		{name: "taken", first: "IP=10.20.0.50", cniArgs: "IP=10.20.0.50",
			code: types.ErrInternal, want: []string{"10.20.0.50", set0, `container "c1", ifname "eth0"`, `container "c2"`}},
		{name: "taken in the second range set", first: "IP=fd00:20::50", cniArgs: "IP=fd00:20::50",
			code: types.ErrInternal, want: []string{"fd00:20::50", set1, `container "c1", ifname "eth0"`}},
		{name: "two in one range set", top: map[string]any{"args": map[string]any{"cni": map[string]any{"ips": []string{"10.20.0.5", "10.20.0.6"}}}},
			code: types.ErrInternal, want: []string{"10.20.0.5", "10.20.0.6", set0}},
		{name: "not an address", cniArgs: "IP=10.20.0.300",
			code: types.ErrInvalidEnvironmentVariables, want: []string{"10.20.0.300", "CNI_ARGS"}},
		{name: "unknown CNI_ARGS key", cniArgs: "POD=x",
			code: types.ErrInvalidEnvironmentVariables, want: []string{"POD=x"}},
	}
	for _, ver := range versions {
		for _, tc := range cases {
			t.Run(ver+"/"+tc.name, func(t *testing.T) {
				dataDir := t.TempDir()
				conf := netconf(t, ver, dataDir, dualStack, tc.top)
				var before []string
				if tc.first != "" {
					p.run(t, plugintest.Call{Command: "ADD", ContainerID: "c1", IfName: "eth0", Args: tc.first, Conf: conf}).Ok(t)
					before = allocated(t, dataDir)
				}
				e := p.run(t, plugintest.Call{Command: "ADD", ContainerID: "c2", IfName: "eth0", Args: tc.cniArgs, Conf: conf}).WantError(t, tc.want...)
				if e.Code != tc.code {
					t.Errorf("error code %d, want %d", e.Code, tc.code)
				}
				if got := allocated(t, dataDir); !slices.Equal(got, before) {
					t.Errorf("allocations after the failed ADD: %v, want %v", got, before)
				}
			})
		}
	}
}

// TestExhausted wants the ADD that finds no free address to fail naming
// the range, and the ADDs before it to get every address of the range.
func TestExhausted(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	ipam := map[string]any{"subnet": "10.21.0.0/29", "rangeStart": "10.21.0.2", "rangeEnd": "10.21.0.4", "gateway": "10.21.0.3"}
	for _, ver := range versions {
		t.Run(ver, func(t *testing.T) {
			dataDir := t.TempDir()
			conf := netconf(t, ver, dataDir, ipam, nil)
			got := append(p.add(t, conf, "c1").IPs(t, ver), p.add(t, conf, "c2").IPs(t, ver)...)
			if want := []string{"10.21.0.2", "10.21.0.4"}; !slices.Equal(got, want) {
				t.Fatalf("allocated %v, want %v", got, want)
			}
			p.add(t, conf, "c3").WantError(t, "no free address", "range set 0 (10.21.0.2-10.21.0.4)", `container "c3"`)
			p.del(t, conf, "c1").Ok(t)
			if got := p.add(t, conf, "c3").IPs(t, ver); !slices.Equal(got, []string{"10.21.0.2"}) {
				t.Errorf("after a release: allocated %v, want [10.21.0.2]", got)
			}
		})
	}
}
