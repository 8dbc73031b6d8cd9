// Command demo shows an installed cnictl end to end on the built-in
// network: two namespaces are attached, ping each other and the gateway, one
// publishes a TCP port that answers on the host's 127.0.0.1 and, through the
// host, to its neighbour; then everything is deleted and the demo checks that
// no namespace, bridge, nftables table or attachment of cnictl is left.
//
// It needs root and nothing but the cnictl binary given by $CNICTL (default
// "cnictl" on PATH): the pings and the port's server and client are part of
// this program, so a fresh machine needs neither ping nor netcat.
//
//	sudo make demo
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/google/nftables"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

const (
	network       = "cnictl"
	bridge        = "cnictl0"
	containerPort = 8080
	greeting      = "hello from cnictl-demo-a"
)

// namespaces are the demo's two containers.
var namespaces = []string{"cnictl-demo-a", "cnictl-demo-b"}

func main() {
	if os.Geteuid() != 0 {
		fail(errors.New("needs root (network namespaces): sudo make demo"))
	}
	cnictl := os.Getenv("CNICTL")
	if cnictl == "" {
		cnictl = "cnictl"
	}
	before, err := cnictlState()
	if err != nil {
		fail(err)
	}
	d := &demo{cnictl: cnictl, before: before}
	err = d.run()
	if cerr := d.teardown(); err == nil {
		err = cerr
	}
	if err != nil {
		fail(err)
	}
	fmt.Println("\ndemo: ok — two namespaces reached each other and the gateway, a published port answered, and nothing was left behind.")
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "demo: %v\n", err)
	os.Exit(1)
}

// demo runs the cnictl commands and remembers what to undo.
type demo struct {
	cnictl string
	// before is the cnictl state of the host before the demo: a network
	// already in use keeps its bridge and tables afterwards.
	before   []string
	created  []string
	attached []string
}

// result is the part of a CNI result the demo reads.
type result struct {
	IPs []struct {
		Address string `json:"address"`
		Gateway string `json:"gateway"`
	} `json:"ips"`
}

func (d *demo) run() error {
	if err := d.step("net", "ls"); err != nil {
		return err
	}
	for _, n := range namespaces {
		if err := d.step("netns", "add", n); err != nil {
			return err
		}
		d.created = append(d.created, n)
	}
	hostPort, err := freePort()
	if err != nil {
		return err
	}
	var results []result
	for i, n := range namespaces {
		args := []string{"-o", "json", "add", network, n}
		if i == 0 {
			args = append(args, "--publish", fmt.Sprintf("%d:%d/tcp", hostPort, containerPort))
		}
		out, err := d.output(args...)
		if err != nil {
			return err
		}
		d.attached = append(d.attached, n)
		var r result
		if err := json.Unmarshal(out, &r); err != nil || len(r.IPs) == 0 {
			return fmt.Errorf("reading the result of cnictl add %s: %v\n%s", n, err, out)
		}
		results = append(results, r)
	}
	if err := d.step("ls"); err != nil {
		return err
	}
	ipB := addressOf(results[1].IPs[0].Address)
	gateway := results[0].IPs[0].Gateway
	if err := d.ping(namespaces[0], ipB); err != nil {
		return err
	}
	if err := d.ping(namespaces[1], gateway); err != nil {
		return err
	}
	stop, err := serve(d.path(namespaces[0]))
	if err != nil {
		return err
	}
	defer stop()
	if err := d.fetch("", fmt.Sprintf("127.0.0.1:%d", hostPort)); err != nil {
		return err
	}
	if err := d.fetch(namespaces[1], net.JoinHostPort(gateway, fmt.Sprint(hostPort))); err != nil {
		return err
	}
	return d.step("check", network, namespaces[0])
}

// teardown deletes what run made, then verifies that nothing is left.
func (d *demo) teardown() error {
	var errs []error
	for _, n := range d.attached {
		errs = append(errs, d.step("del", network, n))
	}
	for _, n := range d.created {
		errs = append(errs, d.step("netns", "del", n))
	}
	errs = append(errs, d.step("gc", network), d.step("ls"))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return d.leftovers()
}

// step prints a cnictl command line and runs it, its output to the
// terminal.
func (d *demo) step(args ...string) error {
	fmt.Printf("\n\033[1m$ cnictl %s\033[0m\n", strings.Join(args, " "))
	cmd := exec.Command(d.cnictl, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cnictl %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// output is step for a command whose output the demo reads as well.
func (d *demo) output(args ...string) ([]byte, error) {
	fmt.Printf("\n\033[1m$ cnictl %s\033[0m\n", strings.Join(args, " "))
	cmd := exec.Command(d.cnictl, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	os.Stdout.Write(out)
	if err != nil {
		return nil, fmt.Errorf("cnictl %s: %w", strings.Join(args, " "), err)
	}
	return out, nil
}

// path is where cnictl netns add put the namespace name.
func (d *demo) path(name string) string { return "/var/run/netns/" + name }

// ping sends one ICMP echo from inside namespace name and waits for the
// reply.
func (d *demo) ping(name, ip string) error {
	fmt.Printf("\n\033[1m# ping %s from %s\033[0m\n", ip, name)
	err := inNetns(d.path(name), func() error {
		conn, err := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		if err != nil {
			return err
		}
		defer conn.Close()
		msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: os.Getpid() & 0xffff, Seq: 1, Data: []byte("cnictl")}}
		wire, err := msg.Marshal(nil)
		if err != nil {
			return err
		}
		start := time.Now()
		if _, err := conn.WriteTo(wire, &net.IPAddr{IP: net.ParseIP(ip)}); err != nil {
			return err
		}
		conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 1500)
		for {
			n, peer, err := conn.ReadFrom(buf)
			if err != nil {
				return err
			}
			reply, err := icmp.ParseMessage(1, buf[:n])
			if err == nil && reply.Type == ipv4.ICMPTypeEchoReply && peer.String() == ip {
				fmt.Printf("reply from %s in %v\n", ip, time.Since(start).Round(time.Microsecond))
				return nil
			}
		}
	})
	if err != nil {
		return fmt.Errorf("ping %s from %s: %w", ip, name, err)
	}
	return nil
}

// fetch connects to addr from namespace name ("" is the host) and prints
// the line the published server answers.
func (d *demo) fetch(name, addr string) error {
	from := name
	if from == "" {
		from = "the host"
	}
	fmt.Printf("\n\033[1m# connect to %s from %s\033[0m\n", addr, from)
	var line string
	dial := func() error {
		conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(3 * time.Second))
		line, err = bufio.NewReader(conn).ReadString('\n')
		return err
	}
	var err error
	if name == "" {
		err = dial()
	} else {
		err = inNetns(d.path(name), dial)
	}
	if err != nil {
		return fmt.Errorf("connecting to %s from %s: %w", addr, from, err)
	}
	if strings.TrimSpace(line) != greeting {
		return fmt.Errorf("connecting to %s from %s: got %q, want %q", addr, from, line, greeting)
	}
	fmt.Print(line)
	return nil
}

// serve listens on the container port inside the namespace at path and
// greets every connection; the listener stays in that namespace.
func serve(path string) (stop func(), err error) {
	var l net.Listener
	err = inNetns(path, func() error {
		l, err = net.Listen("tcp", fmt.Sprintf(":%d", containerPort))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("serving port %d in %s: %w", containerPort, path, err)
	}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			io.WriteString(conn, greeting+"\n")
			conn.Close()
		}
	}()
	return func() { l.Close() }, nil
}

// inNetns runs f with the calling thread in the namespace at path.
func inNetns(path string, f func() error) error {
	return ns.WithNetNSPath(path, func(ns.NetNS) error { return f() })
}

// freePort returns a TCP port nothing on the host listens on, to publish.
func freePort() (int, error) {
	for port := 18080; port < 18180; port++ {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free TCP port in 18080-18179 to publish")
}

// addressOf strips the prefix length from a CIDR address.
func addressOf(cidr string) string {
	ip, _, err := net.ParseCIDR(cidr)
	if err != nil {
		return cidr
	}
	return ip.String()
}

// leftovers reports cnictl state that the demo made and that is still
// there once its attachments are gone.
func (d *demo) leftovers() error {
	fmt.Printf("\n\033[1m# checking that nothing is left\033[0m\n")
	now, err := cnictlState()
	if err != nil {
		return err
	}
	var left []string
	for _, s := range now {
		if !slices.Contains(d.before, s) {
			left = append(left, s)
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("left behind: %s", strings.Join(left, ", "))
	}
	fmt.Println("no namespace, bridge or nftables table of the demo left")
	return nil
}

// cnictlState lists what the demo can leave behind: the built-in bridge,
// nftables tables of cnictl and the demo's namespaces.
func cnictlState() ([]string, error) {
	var state []string
	if _, err := netlinksafe.LinkByName(bridge); err == nil {
		state = append(state, "bridge "+bridge)
	}
	conn, err := nftables.New()
	if err != nil {
		return nil, err
	}
	tables, err := conn.ListTables()
	if err != nil {
		return nil, fmt.Errorf("listing nftables tables: %w", err)
	}
	for _, t := range tables {
		if strings.HasPrefix(t.Name, "cnictl") {
			state = append(state, "nftables table "+t.Name)
		}
	}
	for _, n := range namespaces {
		if _, err := os.Stat("/var/run/netns/" + n); err == nil {
			state = append(state, "namespace "+n)
		}
	}
	return state, nil
}
