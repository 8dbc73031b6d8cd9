// Package nattest gives tests of masquerading an "outside" network: a
// network namespace reached from the test's own namespace (the "host")
// through a veth pair, with a UDP server in it that reports the source
// address each datagram arrived with. Tests send from a container
// namespace and learn whether the host masqueraded them.
//
// It is meant for tests that run inside hermetic namespaces.
package nattest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/netnsmgr"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// Outside is a network namespace behind a veth pair from the host.
type Outside struct {
	// Path is the outside namespace.
	Path string
	// Addr is the outside end's address: where datagrams go.
	Addr net.IP
	// HostAddr is the host end's address: the source of masqueraded
	// datagrams.
	HostAddr net.IP

	conn net.PacketConn
}

// NewOutside creates the outside namespace, with hostCIDR on the host end
// of the veth pair (named hostIf) and outsideCIDR on the outside end. The
// outside routes each of back (container subnets) through the host, so that
// datagrams the host does not masquerade arrive too, with the container's
// address. Everything is removed when t ends.
func NewOutside(t testing.TB, hostIf, hostCIDR, outsideCIDR string, back ...string) *Outside {
	t.Helper()
	hostIP, hostNet := mustCIDR(t, hostCIDR)
	outIP, outNet := mustCIDR(t, outsideCIDR)
	peer := "o" + randomHex(6)
	path := plugintest.VethNS(t, "outside", hostIf, peer)
	if err := plugintest.Configure(hostIf, &net.IPNet{IP: hostIP, Mask: hostNet.Mask}); err != nil {
		t.Fatal(err)
	}
	o := &Outside{Path: path, Addr: outIP, HostAddr: hostIP}
	err := netnsmgr.Do(path, func() error {
		if err := plugintest.Configure(peer, &net.IPNet{IP: outIP, Mask: outNet.Mask}); err != nil {
			return err
		}
		link, err := netlinksafe.LinkByName(peer)
		if err != nil {
			return err
		}
		for _, b := range back {
			_, dst, err := net.ParseCIDR(b)
			if err != nil {
				return err
			}
			if err := netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Dst: dst, Gw: hostIP}); err != nil {
				return err
			}
		}
		// The address may still be tentative for a moment: bind anyway.
		lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
			var sockErr error
			err := c.Control(func(fd uintptr) {
				sockErr = unix.SetsockoptInt(int(fd), unix.SOL_IP, unix.IP_FREEBIND, 1)
			})
			return errors.Join(err, sockErr)
		}}
		o.conn, err = lc.ListenPacket(context.Background(), "udp", net.JoinHostPort(outIP.String(), "0"))
		return err
	})
	if err != nil {
		t.Fatalf("setting up the outside namespace: %v", err)
	}
	t.Cleanup(func() { o.conn.Close() })
	return o
}

// SourceFrom sends a datagram from the namespace at nsPath to the outside
// server and returns the source address the server saw it come from.
func (o *Outside) SourceFrom(t testing.TB, nsPath string) net.IP {
	t.Helper()
	port := o.conn.LocalAddr().(*net.UDPAddr).Port
	token := randomHex(8)
	buf := make([]byte, 64)
	// Resend now and then: a datagram can be lost while addresses and
	// neighbours settle.
	for range 6 {
		err := netnsmgr.Do(nsPath, func() error {
			c, err := net.Dial("udp", net.JoinHostPort(o.Addr.String(), strconv.Itoa(port)))
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.Write([]byte(token))
			return err
		})
		if err != nil {
			t.Fatalf("sending from %s to %s: %v", nsPath, o.Addr, err)
		}
		deadline := time.Now().Add(500 * time.Millisecond)
		for {
			if err := o.conn.SetReadDeadline(deadline); err != nil {
				t.Fatal(err)
			}
			n, from, err := o.conn.ReadFrom(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(buf[:n]) == token {
				return from.(*net.UDPAddr).IP
			}
		}
	}
	t.Fatalf("the outside %s received nothing from %s", o.Addr, nsPath)
	return nil
}

func mustCIDR(t testing.TB, s string) (net.IP, *net.IPNet) {
	t.Helper()
	ip, ipn, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	return ip, ipn
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
