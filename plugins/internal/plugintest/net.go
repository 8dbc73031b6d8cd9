package plugintest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/netnsmgr"
)

// In runs fn in the namespace at nsPath, or in the test's own for "", and
// fails t on error.
func In(t testing.TB, nsPath string, fn func() error) {
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

// PingOnce sends one echo request from the namespace at nsPath, or from
// the test's own for "", and waits a second for the reply.
func PingOnce(nsPath, addr string) error {
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

// Reach pings addr from the namespace at nsPath until it answers, for up
// to five seconds: a new IPv6 address answers only once duplicate address
// detection is done. It returns the last failure.
func Reach(nsPath, addr string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := PingOnce(nsPath, addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Ping fails t unless the namespace at nsPath reaches addr within five
// seconds.
func Ping(t testing.TB, nsPath, addr string) {
	t.Helper()
	if err := Reach(nsPath, addr); err != nil {
		t.Fatalf("from netns %q: %v", nsPath, err)
	}
}

// LinkState is what a test asserts about a link.
type LinkState struct {
	// Type is the link's kind: veth, macvlan, bridge...
	Type string
	// MTU and Up are the link's MTU and whether it is up.
	MTU int
	Up  bool
	// Addrs and Routes are as StateOf describes them.
	Addrs  []string
	Routes []string
}

// StateOf describes the link name of the namespace at nsPath ("" for the
// test's own): its addresses except IPv6 link-local ones, and its routes
// in the main table except the kernel's IPv6 link-local and multicast
// ones, each as "dst[ via gw][ src src] scope scope", sorted.
func StateOf(t testing.TB, nsPath, name string) LinkState {
	t.Helper()
	var s LinkState
	In(t, nsPath, func() error {
		link, err := netlink.LinkByName(name)
		if err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
		s.Type, s.MTU, s.Up = link.Type(), link.Attrs().MTU, link.Attrs().Flags&net.FlagUp != 0
		addrs, err := netlinksafe.AddrList(link, netlink.FAMILY_ALL)
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if !a.IP.IsLinkLocalUnicast() {
				s.Addrs = append(s.Addrs, a.IPNet.String())
			}
		}
		routes, err := netlinksafe.RouteList(link, netlink.FAMILY_ALL)
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

// routeString describes a route as StateOf does.
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

// isZero reports whether n is 0.0.0.0/0 or ::/0.
func isZero(n *net.IPNet) bool {
	ones, _ := n.Mask.Size()
	return ones == 0 && n.IP.IsUnspecified()
}

// LinkExists reports whether the namespace at nsPath ("" for the test's
// own) has a link called name.
func LinkExists(t testing.TB, nsPath, name string) bool {
	t.Helper()
	found := false
	In(t, nsPath, func() error {
		_, err := netlink.LinkByName(name)
		found = err == nil
		return nil
	})
	return found
}

// WaitLinkGone fails t unless the link name of the test's namespace is
// gone within five seconds: the kernel removes the veth pair of a deleted
// namespace a little later.
func WaitLinkGone(t testing.TB, name string) {
	t.Helper()
	for range 50 {
		if _, err := netlink.LinkByName(name); err != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("link %s is still there", name)
}

// Ruleset is `nft list ruleset` in the test's namespace, trimmed.
func Ruleset(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// NoDAD makes the links created from now on in the test's namespace skip
// duplicate address detection, so that an IPv6 gateway answers at once.
// The namespace is a private one: the setting is not restored.
func NoDAD(t testing.TB) {
	t.Helper()
	for _, f := range []string{"/proc/sys/net/ipv6/conf/default/accept_dad", "/proc/sys/net/ipv6/conf/all/accept_dad"} {
		if err := os.WriteFile(f, []byte("0"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// EnableForwarding turns on IPv4 and IPv6 forwarding in the test's
// namespace, which is a private one: the setting is not restored.
func EnableForwarding(t testing.TB) {
	t.Helper()
	for _, f := range []string{"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"} {
		if err := os.WriteFile(f, []byte("1"), 0o644); err != nil {
			t.Fatalf("enabling forwarding: %v", err)
		}
	}
}

// VethNS creates a namespace behind a veth pair from the test's own: the
// end hostIf stays in the test's namespace, the end peer goes into the new
// one. It returns the path of the namespace; the pair and the namespace
// are removed when t ends.
func VethNS(t testing.TB, prefix, hostIf, peer string) string {
	t.Helper()
	eph, err := netnsmgr.New("").NewEphemeral(prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := eph.Close(); err != nil {
			t.Error(err)
		}
	})
	fd, err := unix.Open(eph.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: hostIf}, PeerName: peer, PeerNamespace: netlink.NsFd(fd)}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatalf("creating veth %s: %v", hostIf, err)
	}
	// Deleting the host end deletes both at once; a deleted namespace
	// would take its end with it only later.
	t.Cleanup(func() {
		if l, err := netlink.LinkByName(hostIf); err == nil {
			if err := netlink.LinkDel(l); err != nil {
				t.Errorf("deleting veth %s: %v", hostIf, err)
			}
		}
	})
	return eph.Path
}

// Configure puts addr on the link named name in the current namespace and
// brings it up. Duplicate address detection is turned off on the link, so
// that IPv6 works at once.
func Configure(name string, addr *net.IPNet) error {
	link, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	dad := "/proc/sys/net/ipv6/conf/" + name + "/accept_dad"
	if err := os.WriteFile(dad, []byte("0"), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("turning off DAD on %s: %w", name, err)
	}
	if err := netlink.AddrAdd(link, &netlink.Addr{IPNet: addr}); err != nil {
		return fmt.Errorf("adding %s to %s: %w", addr, name, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("bringing %s up: %w", name, err)
	}
	return nil
}
