package macvlan_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// l3Net is a bridge-mode network with IPAM, for the teardown tests.
const l3Net = `{"type": "macvlan", "master": "mvm0", "ipam": {"type": "host-local", "subnet": "10.98.20.0/24",
	"routes": [{"dst": "0.0.0.0/0"}]}}`

// TestDelWithNetnsGone deletes the container's namespace, and the macvlan
// with it, before DEL, which must still release the address.
func TestDelWithNetnsGone(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "mv-gone")
			newMaster(t, "", master)
			l := e.List("mv-gone", v, plugintest.Parse(t, l3Net))
			rt, _ := e.Attach(l, "ctr-gone", e.Container("mv-gone"))
			e.DeleteContainer("mv-gone")
			e.Del(l, rt)
			e.Del(l, rt)
		})
	}
}

// tampering breaks one part of an attachment that CHECK must notice.
type tampering struct {
	name string
	// undo changes the macvlan eth0 of the current namespace.
	undo func(link netlink.Link) error
}

var tamperings = []tampering{
	{"address deleted", func(link netlink.Link) error {
		addrs, err := netlinksafe.AddrList(link, netlink.FAMILY_V4)
		if err != nil || len(addrs) == 0 {
			return errors.Join(err, errors.New("no address to delete"))
		}
		return netlink.AddrDel(link, &addrs[0])
	}},
	{"default route deleted", func(link netlink.Link) error {
		return netlink.RouteDel(&netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.IPv4(10, 98, 20, 1)})
	}},
	{"MAC changed", func(link netlink.Link) error {
		mac, _ := net.ParseMAC("02:98:00:00:00:99")
		return netlink.LinkSetHardwareAddr(link, mac)
	}},
}

func TestCheckFailsAfterTampering(t *testing.T) {
	for _, tc := range tamperings {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "mv-tamper")
			newMaster(t, "", master)
			l := e.List("mv-tamper", "1.1.0", plugintest.Parse(t, l3Net))
			rt, _ := e.Attach(l, "ctr-tamper", e.Container("mv-tamper"))
			if err := e.Check(l, rt); err != nil {
				t.Fatalf("CHECK before tampering: %v", err)
			}
			plugintest.In(t, rt.NetNS, func() error {
				link, err := netlink.LinkByName("eth0")
				if err != nil {
					return err
				}
				return tc.undo(link)
			})
			if err := e.Check(l, rt); err == nil {
				t.Fatalf("CHECK passed with the %s", tc.name)
			}
		})
	}
}

// TestStatusAndGC checks that STATUS reports a missing master as code 50
// and that GC of a network runs.
func TestStatusAndGC(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "mv-status")
	newMaster(t, "", master)
	l := e.List("mv-status", "1.1.0", plugintest.Parse(t, l3Net))
	if err := e.CNI.Status(context.Background(), l); err != nil {
		t.Fatalf("STATUS: %v", err)
	}
	rt, _ := e.Attach(l, "ctr-status", e.Container("mv-status"))
	valid := []types.GCAttachment{{ContainerID: rt.ContainerID, IfName: rt.IfName}}
	if err := e.CNI.GC(context.Background(), l, valid); err != nil {
		t.Fatalf("GC: %v", err)
	}
	if err := e.Check(l, rt); err != nil {
		t.Fatalf("CHECK after GC: %v", err)
	}
	missing := e.List("mv-status", "1.1.0", plugintest.Parse(t, `{"type": "macvlan", "master": "nosuch0"}`))
	if err := e.CNI.Status(context.Background(), missing); libcni.CodeOf(err) != 50 {
		t.Fatalf("STATUS with a missing master: got %v, want code 50", err)
	}
}

// TestIPAMAddFailureReleases fails ADD in an IPAM plugin that allocated
// before failing: the plugin must run IPAM DEL before it fails too.
func TestIPAMAddFailureReleases(t *testing.T) {
	e := newEnv(t, plugintest.Ours)
	newMaster(t, "", master)
	plugintest.WantIPAMDelAfterFailedAdd(t, "macvlan", e.Container("mv-ipam-fail"), map[string]any{"master": master})
}
