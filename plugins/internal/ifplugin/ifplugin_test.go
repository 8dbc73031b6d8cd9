package ifplugin

import (
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
)

func TestDNSSet(t *testing.T) {
	for _, tc := range []struct {
		dns  types.DNS
		want bool
	}{
		{types.DNS{}, false},
		{types.DNS{Nameservers: []string{}}, true},
		{types.DNS{Search: []string{"example.test"}}, true},
		{types.DNS{Options: []string{"ndots:2"}}, true},
		{types.DNS{Domain: "example.test"}, true},
	} {
		if got := DNSSet(tc.dns); got != tc.want {
			t.Errorf("DNSSet(%+v) = %v, want %v", tc.dns, got, tc.want)
		}
	}
}

func TestContainerInterface(t *testing.T) {
	args := &skel.CmdArgs{IfName: "eth0", Netns: "/run/netns/c1"}
	cont := &current.Interface{Name: "eth0", Sandbox: "/run/netns/c1"}
	result := &current.Result{Interfaces: []*current.Interface{
		{Name: "eth0"}, {Name: "eth0", Sandbox: "/run/netns/c2"}, cont,
	}}
	if got, err := ContainerInterface(result, args); err != nil || got != cont {
		t.Errorf("ContainerInterface = %v, %v; want %v", got, err, cont)
	}
	result.Interfaces = result.Interfaces[:2]
	if _, err := ContainerInterface(result, args); err == nil || !strings.Contains(err.Error(), `no interface "eth0" in netns /run/netns/c1`) {
		t.Errorf("ContainerInterface without the container interface: %v", err)
	}
}
