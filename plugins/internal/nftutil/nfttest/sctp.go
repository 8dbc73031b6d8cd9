package nfttest

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/netnsmgr"
)

// SCTPUnavailable tells why the test's namespace cannot make SCTP sockets
// (the kernel has no sctp module, or cannot load it); "" if it can.
func SCTPUnavailable() string {
	fd, err := sctpSocket()
	if err != nil {
		return fmt.Sprintf("the kernel makes no SCTP sockets: %v", err)
	}
	unix.Close(fd)
	return ""
}

// sctpSocket makes a one-to-one style SCTP socket for both families: IPv4
// addresses take their IPv4-mapped form.
func sctpSocket() (int, error) {
	return unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_SCTP)
}

// ServeSCTP answers on SCTP port in the container's namespace as Serve
// does on TCP. The socket closes when t ends.
func (c *Container) ServeSCTP(port int) {
	t := c.env.T
	t.Helper()
	var l net.Listener
	err := netnsmgr.Do(c.NS, func() error {
		fd, err := sctpSocket()
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), "sctp")
		defer f.Close()
		if err := unix.Bind(fd, &unix.SockaddrInet6{Port: port}); err != nil {
			return err
		}
		if err := unix.Listen(fd, 16); err != nil {
			return err
		}
		// The net package takes a listening stream socket for a TCP
		// one: accepting, reading and writing work alike.
		l, err = net.FileListener(f)
		return err
	})
	if err != nil {
		t.Fatalf("serving SCTP port %d in %s: %v", port, c.ID, err)
	}
	t.Cleanup(func() { l.Close() })
	go serveTCP(l, c.ID)
}

// dialSCTP connects over SCTP to addr, host:port, from the current
// namespace, waiting at most timeout for the association.
func dialSCTP(addr string, timeout time.Duration) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	fd, err := sctpSocket()
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "sctp")
	defer f.Close()
	// A blocking connect waits for the association for at most the
	// send timeout.
	tv := unix.NsecToTimeval(timeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		return nil, err
	}
	if err := unix.Connect(fd, &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}); err != nil {
		return nil, fmt.Errorf("connecting to %s over SCTP: %w", addr, err)
	}
	return net.FileConn(f)
}
