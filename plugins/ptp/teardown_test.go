package ptp_test

import (
	"context"
	"strings"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/nat"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// masqNet is a network with ipMasq on, for the tests of teardown and NAT.
const masqNet = `{"type": "ptp", "ipMasq": true, "ipam": {"type": "host-local", "subnet": "10.97.10.0/24",
	"routes": [{"dst": "0.0.0.0/0"}]}}`

// TestDelWithNetnsGone deletes the container's namespace before DEL: at
// 0.3.1 DEL gets no prevResult, later versions get one.
func TestDelWithNetnsGone(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "ptp-gone")
			l := e.List("ptp-gone", v, plugintest.Parse(t, masqNet))
			rt, res := e.Attach(l, "ctr-gone", e.Container("ptp-gone"))
			a := asCurrent(t, res)
			e.DeleteContainer("ptp-gone")
			e.Del(l, rt)
			if plugintest.LinkExists(t, "", a.Interfaces[0].Name) {
				t.Fatalf("host end %s left after DEL", a.Interfaces[0].Name)
			}
			e.Del(l, rt)
		})
	}
}

// TestAddRollsBack makes ADD fail once the address is allocated: nothing
// may be left, which the leak check verifies.
func TestAddRollsBack(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "ptp-rollback")
	l := e.List("ptp-rollback", "1.0.0", plugintest.Parse(t, masqNet))
	nsPath := e.Container("ptp-rollback")
	plugintest.In(t, nsPath, func() error {
		return netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: "eth0p"})
	})
	_, err := e.CNI.Add(context.Background(), l, &libcni.RuntimeConf{ContainerID: "ctr-rb", NetNS: nsPath, IfName: "eth0"})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("ADD over an existing eth0: got %v, want an error saying it exists", err)
	}
	if !plugintest.LinkExists(t, nsPath, "eth0") {
		t.Fatal("the failed ADD removed the container's own eth0")
	}
}

// tampering breaks one part of an attachment that CHECK must notice.
type tampering struct {
	name string
	// undo removes part of the attachment rt, whose result is res.
	undo func(t *testing.T, rt *libcni.RuntimeConf, res *current.Result)
}

var tamperings = []tampering{
	{"container address", func(t *testing.T, rt *libcni.RuntimeConf, res *current.Result) {
		plugintest.In(t, rt.NetNS, func() error { return delAddrs("eth0") })
	}},
	{"host gateway address", func(t *testing.T, rt *libcni.RuntimeConf, res *current.Result) {
		plugintest.In(t, "", func() error { return delAddrs(res.Interfaces[0].Name) })
	}},
	{"default route", func(t *testing.T, rt *libcni.RuntimeConf, res *current.Result) {
		plugintest.In(t, rt.NetNS, func() error {
			return netlink.RouteDel(&netlink.Route{Dst: nil, Gw: []byte{10, 97, 10, 1}})
		})
	}},
	{"masquerading", func(t *testing.T, rt *libcni.RuntimeConf, res *current.Result) {
		if err := nat.Teardown(nat.Attachment{Network: "ptp-tamper", ContainerID: rt.ContainerID, IfName: rt.IfName}); err != nil {
			t.Fatal(err)
		}
	}},
}

func TestCheckFailsAfterTampering(t *testing.T) {
	for _, tc := range tamperings {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "ptp-tamper")
			l := e.List("ptp-tamper", "1.1.0", plugintest.Parse(t, masqNet))
			rt, res := e.Attach(l, "ctr-tamper", e.Container("ptp-tamper"))
			if err := e.Check(l, rt); err != nil {
				t.Fatalf("CHECK before tampering: %v", err)
			}
			tc.undo(t, rt, asCurrent(t, res))
			if err := e.Check(l, rt); err == nil {
				t.Fatalf("CHECK passed with the %s gone", tc.name)
			}
		})
	}
}

// delAddrs removes the global addresses of the link name.
func delAddrs(name string) error {
	link, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	addrs, err := netlinksafe.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if a.IP.IsGlobalUnicast() {
			if err := netlink.AddrDel(link, &a); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestIPAMAddFailureReleases fails ADD in an IPAM plugin that allocated
// before failing: the plugin must run IPAM DEL before it fails too.
func TestIPAMAddFailureReleases(t *testing.T) {
	e := newEnv(t, plugintest.Ours)
	plugintest.WantIPAMDelAfterFailedAdd(t, "ptp", e.Container("ptp-ipam-fail"), nil)
}
