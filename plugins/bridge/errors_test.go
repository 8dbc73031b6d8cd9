package bridge_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestRejectedConfigurations fails ADD, without creating anything, for
// what the plugin does not do.
func TestRejectedConfigurations(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib10", "net-bad")
	ipam := map[string]any{"type": "host-local", "subnet": "10.55.0.0/24"}
	for i, tc := range []struct {
		conf map[string]any
		want string
	}{
		{map[string]any{"vlan": 100, "ipam": ipam}, "VLAN filtering not supported"},
		{map[string]any{"vlanTrunk": []any{map[string]any{"id": 101}}}, "VLAN filtering not supported"},
		{map[string]any{"hairpinMode": true, "promiscMode": true}, "cannot set hairpin mode and promiscuous mode"},
		{map[string]any{"disableContainerInterface": true, "ipam": ipam}, "cannot use IPAM when disableContainerInterface"},
		{map[string]any{"runtimeConfig": map[string]any{"mac": "not-a-mac"}}, "invalid MAC address"},
		{map[string]any{"ipMasq": true, "ipMasqBackend": "ebtables", "ipam": ipam}, "unknown ipMasqBackend"},
	} {
		tc.conf["bridge"] = "cnib10"
		l := list(e, "net-bad", "1.1.0", tc.conf)
		rt := &libcni.RuntimeConf{ContainerID: "c1", NetNS: e.Container(fmt.Sprintf("bad%d", i)), IfName: "eth0"}
		_, err := e.CNI.Add(context.Background(), l, rt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ADD with %v: %v, want an error with %q", tc.conf, err, tc.want)
		}
		if _, err := netlink.LinkByName("cnib10"); err == nil {
			t.Errorf("ADD with %v created the bridge", tc.conf)
		}
	}
}

// TestLayer2Only attaches without IPAM: the container interface is up
// without addresses; with disableContainerInterface it stays down.
func TestLayer2Only(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib11")
	for i, disable := range []bool{false, true} {
		l := list(e, "net-l2", "1.1.0", map[string]any{"bridge": "cnib11", "disableContainerInterface": disable})
		id := []string{"up", "down"}[i]
		nsPath := e.Container(id)
		_, res := e.Attach(l, id, nsPath)
		if cur := plugintest.AsCurrent(t, res); len(cur.Interfaces) != 3 || len(cur.IPs) != 0 {
			t.Errorf("%s: result %v", id, cur)
		}
		plugintest.In(t, nsPath, func() error {
			eth0, err := netlink.LinkByName("eth0")
			if err != nil {
				return err
			}
			if up := eth0.Attrs().Flags&net.FlagUp != 0; up == disable {
				t.Errorf("%s: eth0 up is %v", id, up)
			}
			return nil
		})
	}
}

// TestIPAMAddFailureReleases fails ADD in an IPAM plugin that allocated
// before failing: the plugin must run IPAM DEL before it fails too.
func TestIPAMAddFailureReleases(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib14")
	plugintest.WantIPAMDelAfterFailedAdd(t, "bridge", e.Container("ipam-fail"), map[string]any{"bridge": "cnib14"})
}

// TestNoVlanAccepted accepts what asks for no VLAN filtering, as the
// reference does: preserveDefaultVlan alone (it only matters with vlan or
// vlanTrunk), and a vlanTrunk that is null or empty.
func TestNoVlanAccepted(t *testing.T) {
	for i, fields := range []map[string]any{
		{"preserveDefaultVlan": true},
		{"vlanTrunk": nil},
		{"vlanTrunk": []any{}},
	} {
		e := newEnv(t, plugintest.Ours, "cnib15")
		fields["bridge"] = "cnib15"
		l := list(e, fmt.Sprintf("net-novlan%d", i), "1.1.0", fields)
		e.Attach(l, "c1", e.Container(fmt.Sprintf("novlan%d", i)))
	}
}
