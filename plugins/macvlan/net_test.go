package macvlan_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/netnsmgr"
)

// in runs fn in the namespace at nsPath, or in the test's own for "".
func in(t *testing.T, nsPath string, fn func() error) {
	t.Helper()
	if nsPath == "" {
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := netnsmgr.Do(nsPath, fn); err != nil {
		t.Fatal(err)
	}
}

// pingOnce sends one echo request from the namespace at nsPath, or from
// the test's own for "", and waits a second for the reply.
func pingOnce(nsPath, addr string) error {
	var out bytes.Buffer
	cmd := exec.Command("ping", "-c1", "-W1", addr)
	cmd.Stdout, cmd.Stderr = &out, &out
	var err error
	if nsPath == "" {
		err = cmd.Run()
	} else {
		err = netnsmgr.New("").Run(context.Background(), nsPath, cmd)
	}
	if err != nil {
		return fmt.Errorf("ping %s: %v: %s", addr, err, out.Bytes())
	}
	return nil
}

// ping fails t unless the namespace at nsPath reaches addr within five
// seconds.
func ping(t *testing.T, nsPath, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := pingOnce(nsPath, addr)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("from netns %q: %v", nsPath, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// linkState is what a test asserts about a link.
type linkState struct {
	Type   string
	MTU    int
	Up     bool
	Addrs  []string
	Routes []string
}

// stateOf describes the link name of the namespace at nsPath ("" for the
// test's own): its addresses except IPv6 link-local ones, and its routes
// in the main table except the kernel's IPv6 link-local and multicast
// ones, each as "dst[ via gw][ src src] scope scope", sorted.
func stateOf(t *testing.T, nsPath, name string) linkState {
	t.Helper()
	var s linkState
	in(t, nsPath, func() error {
		link, err := netlink.LinkByName(name)
		if err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
		s.Type, s.MTU, s.Up = link.Type(), link.Attrs().MTU, link.Attrs().Flags&net.FlagUp != 0
		addrs, err := netlink.AddrList(link, netlink.FAMILY_ALL)
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if !a.IP.IsLinkLocalUnicast() {
				s.Addrs = append(s.Addrs, a.IPNet.String())
			}
		}
		routes, err := netlink.RouteList(link, netlink.FAMILY_ALL)
		if err != nil {
			return err
		}
		for _, r := range routes {
			if r.Dst != nil && (r.Dst.IP.IsLinkLocalUnicast() || r.Dst.IP.IsMulticast()) {
				continue
			}
			s.Routes = append(s.Routes, routeString(r))
		}
		return nil
	})
	slices.Sort(s.Addrs)
	slices.Sort(s.Routes)
	return s
}

func routeString(r netlink.Route) string {
	dst := "default"
	if r.Dst != nil && !isZero(r.Dst) {
		dst = r.Dst.String()
	}
	s := dst
	if r.Gw != nil {
		s += " via " + r.Gw.String()
	}
	if r.Src != nil {
		s += " src " + r.Src.String()
	}
	return s + " scope " + r.Scope.String()
}

func isZero(n *net.IPNet) bool {
	ones, _ := n.Mask.Size()
	return ones == 0 && n.IP.IsUnspecified()
}

// linkExists reports whether the namespace at nsPath ("" for the test's
// own) has a link called name.
func linkExists(t *testing.T, nsPath, name string) bool {
	t.Helper()
	found := false
	in(t, nsPath, func() error {
		_, err := netlink.LinkByName(name)
		found = err == nil
		return nil
	})
	return found
}

// macvlanOf returns the mode, the parent's index and the MAC address of
// the macvlan name in the namespace at nsPath.
func macvlanOf(t *testing.T, nsPath, name string) (mode string, parent int, mac string) {
	t.Helper()
	in(t, nsPath, func() error {
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
	in(t, nsPath, func() error {
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
		in(t, nsPath, func() error {
			if link, err := netlink.LinkByName(name); err == nil {
				return netlink.LinkDel(link)
			}
			return nil
		})
	})
	return index
}
