package ptp_test

import (
	"context"
	"net"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nat"
	"github.com/cnictl/cnictl/plugins/internal/nat/nattest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// plainNet is masqNet without ipMasq, in a subnet of its own.
const plainNet = `{"type": "ptp", "ipam": {"type": "host-local", "subnet": "10.97.11.0/24",
	"routes": [{"dst": "0.0.0.0/0"}]}}`

// TestIPMasq sends from a container with ipMasq and from one without to
// an outside network that routes both subnets back through the host: only
// the first is seen with the host's address.
func TestIPMasq(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "ptp-masq", "ptp-plain")
			out := nattest.NewOutside(t, "out0", "192.0.2.1/24", "192.0.2.2/24", "10.97.10.0/24", "10.97.11.0/24")
			masq, plain := e.List("ptp-masq", v, plugintest.Parse(t, masqNet)), e.List("ptp-plain", v, plugintest.Parse(t, plainNet))
			nsM, nsP := e.Container("ptp-masq"), e.Container("ptp-plain")
			rtM, resM := e.Attach(masq, "ctr-masq", nsM)
			_, resP := e.Attach(plain, "ctr-plain", nsP)
			if got := out.SourceFrom(t, nsM); !got.Equal(out.HostAddr) {
				t.Errorf("with ipMasq the outside sees %s, want the host's %s", got, out.HostAddr)
			}
			if got, want := out.SourceFrom(t, nsP), asCurrent(t, resP).IPs[0].Address.IP; !got.Equal(want) {
				t.Errorf("without ipMasq the outside sees %s, want the container's %s", got, want)
			}
			plugintest.Ping(t, nsM, out.Addr.String())
			if plugintest.AtLeast(v, "0.4.0") {
				if err := e.Check(masq, rtM); err != nil {
					t.Fatalf("CHECK: %v", err)
				}
			}
			e.Del(masq, rtM)
			a := nat.Attachment{Network: "ptp-masq", ContainerID: "ctr-masq", IfName: "eth0"}
			if err := nat.Check(a, []*net.IPNet{&asCurrent(t, resM).IPs[0].Address}); err == nil {
				t.Fatal("masquerading left after DEL")
			}
		})
	}
}

// TestIPMasqDualStack masquerades both address families.
func TestIPMasqDualStack(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "ptp-masq6")
	out4 := nattest.NewOutside(t, "out4", "192.0.2.1/24", "192.0.2.2/24")
	out6 := nattest.NewOutside(t, "out6", "2001:db8:2::1/64", "2001:db8:2::2/64")
	l := e.List("ptp-masq6", "1.1.0", plugintest.Parse(t, `{"type": "ptp", "ipMasq": true, "ipam": {"type": "host-local",
		"ranges": [[{"subnet": "10.97.12.0/24"}], [{"subnet": "fd97:12::/64"}]],
		"routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}}`))
	nsPath := e.Container("ptp-masq6")
	e.Attach(l, "ctr-masq6", nsPath)
	for _, out := range []*nattest.Outside{out4, out6} {
		if got := out.SourceFrom(t, nsPath); !got.Equal(out.HostAddr) {
			t.Errorf("the outside sees %s, want the host's %s", got, out.HostAddr)
		}
		plugintest.Ping(t, nsPath, out.Addr.String())
	}
}

// TestGC leaves one attachment valid: GC deletes the other one through
// the cache, and the plugin's GC removes masquerading that no cached
// attachment explains.
func TestGC(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "ptp-gc")
	l := e.List("ptp-gc", "1.1.0", plugintest.Parse(t, `{"type": "ptp", "ipMasq": true, "ipam": {"type": "host-local",
		"subnet": "10.97.13.0/24", "routes": [{"dst": "0.0.0.0/0"}]}}`))
	rtA, _ := e.Attach(l, "ctr-keep", e.Container("ptp-keep"))
	_, resB := e.Attach(l, "ctr-drop", e.Container("ptp-drop"))
	stale := nat.Attachment{Network: "ptp-gc", ContainerID: "ctr-stale", IfName: "eth0"}
	staleIPs := []*net.IPNet{{IP: net.IPv4(10, 97, 13, 99), Mask: net.CIDRMask(24, 32)}}
	if err := nat.Setup(stale, staleIPs); err != nil {
		t.Fatal(err)
	}
	if err := e.CNI.Status(context.Background(), l); err != nil {
		t.Fatalf("STATUS: %v", err)
	}
	valid := []types.GCAttachment{{ContainerID: rtA.ContainerID, IfName: rtA.IfName}}
	if err := e.CNI.GC(context.Background(), l, valid); err != nil {
		t.Fatalf("GC: %v", err)
	}
	if err := nat.Check(stale, staleIPs); err == nil {
		t.Error("GC left the masquerading of a stale attachment")
	}
	if plugintest.LinkExists(t, "", asCurrent(t, resB).Interfaces[0].Name) {
		t.Error("GC left the host end of the invalid attachment")
	}
	if err := e.Check(l, rtA); err != nil {
		t.Errorf("CHECK of the valid attachment after GC: %v", err)
	}
}

// TestDelAfterIPMasqTurnedOff adds with ipMasq and deletes with the
// network's configuration no longer setting it: DEL removes the
// masquerading all the same, and with it the NAT table.
func TestDelAfterIPMasqTurnedOff(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "ptp-unmasq")
	masq := plugintest.Parse(t, masqNet)
	rt, res := e.Attach(e.List("ptp-unmasq", "1.1.0", masq), "ctr-unmasq", e.Container("ptp-unmasq"))
	plain := plugintest.Clone(masq)
	plain["ipMasq"] = false
	e.Del(e.List("ptp-unmasq", "1.1.0", plain), rt)
	a := nat.Attachment{Network: "ptp-unmasq", ContainerID: "ctr-unmasq", IfName: "eth0"}
	if err := nat.Check(a, []*net.IPNet{&asCurrent(t, res).IPs[0].Address}); err == nil {
		t.Error("masquerading left after DEL")
	}
	if got := plugintest.Ruleset(t); got != "" {
		t.Errorf("ruleset left after DEL:\n%s", got)
	}
}
