package nfttest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/netnsmgr"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// Serve answers on TCP and UDP port in the container's namespace: each
// connection or datagram gets back the container's ID, what it sent and
// the address it came from as the container saw it, separated by spaces.
// The sockets close when t ends.
func (c *Container) Serve(port int) {
	t := c.env.T
	t.Helper()
	var tl net.Listener
	var ul net.PacketConn
	err := netnsmgr.Do(c.NS, func() error {
		var err error
		if tl, err = net.Listen("tcp", ":"+strconv.Itoa(port)); err != nil {
			return err
		}
		ul, err = net.ListenPacket("udp", ":"+strconv.Itoa(port))
		return err
	})
	if err != nil {
		t.Fatalf("serving port %d in %s: %v", port, c.ID, err)
	}
	t.Cleanup(func() { tl.Close(); ul.Close() })
	go serveTCP(tl, c.ID)
	go serveUDP(ul, c.ID)
}

// answer is what a server with id says to a peer at from that sent msg.
func answer(id string, msg []byte, from net.Addr) []byte {
	host, _, err := net.SplitHostPort(from.String())
	if err != nil {
		host = from.String()
	}
	return []byte(id + " " + string(msg) + " " + host)
}

// serveTCP answers every connection of l as answer says.
func serveTCP(l net.Listener, id string) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 64)
			n, err := conn.Read(buf)
			if err == nil {
				conn.Write(answer(id, buf[:n], conn.RemoteAddr()))
			}
		}()
	}
}

// serveUDP answers every datagram of pc as answer says.
func serveUDP(pc net.PacketConn, id string) {
	buf := make([]byte, 64)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		pc.WriteTo(answer(id, buf[:n], from), from)
	}
}

// Ask sends a token over network ("tcp", "udp" or "sctp") to addr from
// the namespace at ns (the test's own if empty), from local address laddr
// if it is not empty (not over SCTP), and returns the ID of the container
// that answered.
func Ask(ns, network, laddr, addr string, timeout time.Duration) (string, error) {
	id, _, err := AskPeer(ns, network, laddr, addr, timeout)
	return id, err
}

// AskPeer is Ask that also returns the address the connection came from
// as the server saw it: a translated source shows there.
func AskPeer(ns, network, laddr, addr string, timeout time.Duration) (id string, peer net.IP, err error) {
	var conn net.Conn
	dial := func() error {
		if network == "sctp" {
			var err error
			conn, err = dialSCTP(addr, timeout)
			return err
		}
		d := net.Dialer{Timeout: timeout}
		if laddr != "" {
			var err error
			if network == "udp" {
				d.LocalAddr, err = net.ResolveUDPAddr(network, laddr)
			} else {
				d.LocalAddr, err = net.ResolveTCPAddr(network, laddr)
			}
			if err != nil {
				return err
			}
		}
		var err error
		conn, err = d.Dial(network, addr)
		return err
	}
	if ns == "" {
		err = dial()
	} else {
		err = netnsmgr.Do(ns, dial)
	}
	if err != nil {
		return "", nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	token := strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := conn.Write([]byte(token)); err != nil {
		return "", nil, err
	}
	buf := make([]byte, 128)
	n, err := conn.Read(buf)
	if err != nil {
		return "", nil, err
	}
	var got, from string
	if _, err := fmt.Sscan(string(buf[:n]), &id, &got, &from); err != nil || got != token || net.ParseIP(from) == nil {
		return "", nil, fmt.Errorf("unexpected answer %q", buf[:n])
	}
	return id, net.ParseIP(from), nil
}

// Outside is a network namespace behind a veth pair from the host, whose
// default routes lead to the host.
type Outside struct {
	// NS is the path of the namespace.
	NS string
	// HostAddrs are the host end's addresses, OutsideAddrs the outside
	// end's, IPv4 then IPv6.
	HostAddrs, OutsideAddrs []net.IP
}

// NewOutside creates the outside namespace and the veth pair hostIf, with
// addresses host[i] on the host end and outside[i] on the other (CIDRs).
// Everything is removed when t ends.
func (e *Env) NewOutside(hostIf string, host, outside []string) *Outside {
	t := e.T
	t.Helper()
	o := &Outside{NS: plugintest.VethNS(t, "outside", hostIf, "up0")}
	for i := range host {
		hip, err := configure(hostIf, host[i])
		if err != nil {
			t.Fatal(err)
		}
		o.HostAddrs = append(o.HostAddrs, hip)
	}
	err := netnsmgr.Do(o.NS, func() error {
		lo, err := netlinksafe.LinkByName("lo")
		if err != nil {
			return err
		}
		if err := netlink.LinkSetUp(lo); err != nil {
			return err
		}
		for i := range outside {
			oip, err := configure("up0", outside[i])
			if err != nil {
				return err
			}
			o.OutsideAddrs = append(o.OutsideAddrs, oip)
			link, err := netlinksafe.LinkByName("up0")
			if err != nil {
				return err
			}
			if err := netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Gw: o.HostAddrs[i]}); err != nil {
				return fmt.Errorf("default route via %s: %w", o.HostAddrs[i], err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("setting up the outside namespace: %v", err)
	}
	return o
}

// Serve answers on TCP and UDP port in the outside namespace, as
// Container.Serve does, with id.
func (o *Outside) Serve(e *Env, id string, port int) {
	c := &Container{ID: id, NS: o.NS, env: e}
	c.Serve(port)
}

// configure puts cidr on the link named name in the current namespace, as
// plugintest.Configure does, and returns the address.
func configure(name, cidr string) (net.IP, error) {
	ip, ipn, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	ipn.IP = ip
	return ip, plugintest.Configure(name, ipn)
}

// brNetfilter are the settings that send bridged IP traffic through the
// IP hooks of netfilter (br_netfilter).
var brNetfilter = []string{"/proc/sys/net/bridge/bridge-nf-call-iptables", "/proc/sys/net/bridge/bridge-nf-call-ip6tables"}

// SetBridgeNetfilter turns the IP hooks for bridged traffic on or off in
// the test's namespace until t ends. Off, the host behaves as one without
// br_netfilter: traffic between two ports of a bridge stays at layer 2.
// The test is skipped if the kernel has no br_netfilter.
func (e *Env) SetBridgeNetfilter(on bool) {
	e.T.Helper()
	val := []byte("0")
	if on {
		val = []byte("1")
	}
	for _, f := range brNetfilter {
		old, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			e.T.Skip("the kernel has no br_netfilter")
		}
		if err != nil {
			e.T.Fatal(err)
		}
		if err := os.WriteFile(f, val, 0o644); err != nil {
			e.T.Fatal(err)
		}
		e.T.Cleanup(func() { os.WriteFile(f, old, 0o644) })
	}
}
