package macvlan_test

import (
	"fmt"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// macvlanOf returns the mode, the parent's index and the MAC address of
// the macvlan name in the namespace at nsPath.
func macvlanOf(t *testing.T, nsPath, name string) (mode string, parent int, mac string) {
	t.Helper()
	plugintest.In(t, nsPath, func() error {
		link, err := netlink.LinkByName(name)
		if err != nil {
			return err
		}
		mv, ok := link.(*netlink.Macvlan)
		if !ok {
			return fmt.Errorf("%s is a %s, not a macvlan", name, link.Type())
		}
		mode, parent, mac = modeNames[mv.Mode], mv.ParentIndex, mv.HardwareAddr.String()
		return nil
	})
	return mode, parent, mac
}

// modeNames names the macvlan modes as configurations do.
var modeNames = map[netlink.MacvlanMode]string{
	netlink.MACVLAN_MODE_BRIDGE:   "bridge",
	netlink.MACVLAN_MODE_PRIVATE:  "private",
	netlink.MACVLAN_MODE_VEPA:     "vepa",
	netlink.MACVLAN_MODE_PASSTHRU: "passthru",
}

// newMaster creates a veth pair name/name+"p", both ends up, in the
// namespace at nsPath ("" for the test's own), to serve as a master, and
// returns the index of name. The pair goes when t ends.
func newMaster(t *testing.T, nsPath, name string) int {
	t.Helper()
	var index int
	plugintest.In(t, nsPath, func() error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: name + "p"}
		if err := netlink.LinkAdd(veth); err != nil {
			return fmt.Errorf("creating master %s: %w", name, err)
		}
		for _, n := range []string{name, name + "p"} {
			link, err := netlink.LinkByName(n)
			if err != nil {
				return err
			}
			if err := netlink.LinkSetUp(link); err != nil {
				return err
			}
			if n == name {
				index = link.Attrs().Index
			}
		}
		return nil
	})
	t.Cleanup(func() {
		plugintest.In(t, nsPath, func() error {
			if link, err := netlink.LinkByName(name); err == nil {
				return netlink.LinkDel(link)
			}
			return nil
		})
	})
	return index
}
