package hostlocal

import (
	"slices"
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestRequestedIPs covers what the reference does not: several addresses
// in CNI_ARGS IP, and CNI_ARGS ignored when args.cni.ips is given
// (CONVENTIONS.md); args and runtimeConfig add up, as in the reference.
func TestRequestedIPs(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	argsIPs := func(ips ...string) map[string]any {
		return map[string]any{"args": map[string]any{"cni": map[string]any{"ips": ips}}}
	}
	cases := []struct {
		name    string
		cniArgs string
		top     map[string]any
		want    []string
	}{
		{name: "CNI_ARGS with two addresses", cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=x;IP=fd00:20::17,10.20.0.7/24",
			want: []string{"10.20.0.7", "fd00:20::17"}},
		{name: "args.cni.ips wins over CNI_ARGS", cniArgs: "IP=10.20.0.7", top: argsIPs("10.20.0.8"),
			want: []string{"10.20.0.8", "fd00:20::10"}},
		{name: "args and runtimeConfig add up", top: map[string]any{
			"args":          map[string]any{"cni": map[string]any{"ips": []string{"10.20.0.8"}}},
			"runtimeConfig": map[string]any{"ips": []string{"fd00:20::18/64"}}},
			want: []string{"10.20.0.8", "fd00:20::18"}},
		{name: "the same address twice", cniArgs: "IP=10.20.0.9", top: map[string]any{
			"runtimeConfig": map[string]any{"ips": []string{"10.20.0.9/24"}}},
			want: []string{"10.20.0.9", "fd00:20::10"}},
	}
	for _, ver := range versions {
		for _, tc := range cases {
			t.Run(ver+"/"+tc.name, func(t *testing.T) {
				conf := netconf(t, ver, t.TempDir(), dualStack, tc.top)
				o := p.run(t, plugintest.Call{Command: "ADD", ContainerID: "c1", IfName: "eth0", Args: tc.cniArgs, Conf: conf})
				if got := o.IPs(t, ver); !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
	}
}
