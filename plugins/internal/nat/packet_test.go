package nat

import (
	"testing"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/netnsmgr"
	"github.com/cnictl/cnictl/plugins/internal/nat/nattest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// newContainer creates a "container" namespace with contCIDR behind a veth
// pair whose host end (hostIf) has hostCIDR and is its default gateway.
func newContainer(t *testing.T, hostIf, hostCIDR, contCIDR string) string {
	t.Helper()
	path := plugintest.VethNS(t, "container", hostIf, "eth0")
	host := cidr(t, hostCIDR)
	if err := plugintest.Configure(hostIf, host); err != nil {
		t.Fatal(err)
	}
	cont := cidr(t, contCIDR)
	err := netnsmgr.Do(path, func() error {
		if err := plugintest.Configure("eth0", cont); err != nil {
			return err
		}
		link, err := netlinksafe.LinkByName("eth0")
		if err != nil {
			return err
		}
		return netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Gw: host.IP})
	})
	if err != nil {
		t.Fatalf("configuring the container namespace: %v", err)
	}
	return path
}

// TestMasqueradesPackets sends UDP datagrams from a container to an
// outside namespace: before Setup, after Teardown, and while the outside is
// in the address's subnet they arrive from the container's address; after
// Setup from the host's.
func TestMasqueradesPackets(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		hostCont, cont           string
		hostOut, out, contSubnet string
		// wide is the container's address in a subnet that holds
		// the outside too.
		wide string
	}{
		{"IPv4", "10.66.0.1/24", "10.66.0.2/24", "10.67.0.1/24", "10.67.0.2/24", "10.66.0.0/24", "10.66.0.2/8"},
		{"IPv6", "fd00:66::1/64", "fd00:66::2/64", "fd00:67::1/64", "fd00:67::2/64", "fd00:66::/64", "fd00:66::2/16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newEnv(t)
			plugintest.EnableForwarding(t)
			contNS := newContainer(t, "hveth0", tc.hostCont, tc.cont)
			outside := nattest.NewOutside(t, "hout0", tc.hostOut, tc.out, tc.contSubnet)
			a := Attachment{Network: "pkt", ContainerID: "c1", IfName: "eth0"}
			contIP := cidr(t, tc.cont).IP

			if got := outside.SourceFrom(t, contNS); !got.Equal(contIP) {
				t.Fatalf("before Setup the outside saw %s, want the container's %s", got, contIP)
			}
			// Another network's address on the host must not matter.
			other := Attachment{Network: "other", ContainerID: "c2", IfName: "eth0"}
			if err := Setup(other, cidrs(t, "10.99.0.2/24")); err != nil {
				t.Fatal(err)
			}
			defer Teardown(other)
			if err := Setup(a, cidrs(t, tc.cont)); err != nil {
				t.Fatal(err)
			}
			if got := outside.SourceFrom(t, contNS); !got.Equal(outside.HostAddr) {
				t.Errorf("after Setup the outside saw %s, want the host's %s", got, outside.HostAddr)
			}
			// Traffic within the address's subnet is left alone.
			if err := Setup(a, cidrs(t, tc.wide)); err != nil {
				t.Fatal(err)
			}
			if got := outside.SourceFrom(t, contNS); !got.Equal(contIP) {
				t.Errorf("with the outside in the container's subnet the outside saw %s, want %s", got, contIP)
			}
			if err := Teardown(a); err != nil {
				t.Fatal(err)
			}
			if got := outside.SourceFrom(t, contNS); !got.Equal(contIP) {
				t.Errorf("after Teardown the outside saw %s, want the container's %s", got, contIP)
			}
		})
	}
}
