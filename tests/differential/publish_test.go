package differential

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
)

// portMapping is an entry of the portMappings capability (CONVENTIONS.md).
type portMapping struct {
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"hostIP"`
}

// proto returns the mapping's protocol in lower case, tcp if unset.
func (m portMapping) proto() string {
	if m.Protocol == "" {
		return "tcp"
	}
	return strings.ToLower(m.Protocol)
}

// probeTimeout bounds a probe: connecting, and waiting for the echo.
const probeTimeout = time.Second

// echoPrefix starts every answer of the echo servers.
const echoPrefix = "container 0 echoes "

// outsideClient names the outside peer in the effects of publish.
const outsideClient = "the outside peer"

// publishedPrefix starts the keys of the effects of publish.
const publishedPrefix = "published "

// client is where a probe starts: the host (nsPath empty), another
// container or the outside peer.
type client struct {
	name, nsPath string
}

// target is one probe of a mapping: where it starts and the host address
// it connects to.
type target struct {
	from client
	addr string
}

// publish serves every portMappings entry of container 0 with an echo
// server on its container port, probes it from the host at every host
// address that could carry it (the gateway on the bridge, 127.0.0.1, the
// hostIP of the mapping and the host's address towards the outside peer),
// from container 1 at the gateway (hairpin) and from the outside peer at
// the host's address towards it, and records under effects which probes
// container 0 answered. Each mapping must answer the host at one address
// at least.
func publish(t *testing.T, label string, rts []*libcni.RuntimeConf, results [][]byte, peer *outside, effects map[string]string) {
	t.Helper()
	var mappings []portMapping
	data, err := json.Marshal(rts[0].CapabilityArgs["portMappings"])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &mappings); err != nil || len(mappings) == 0 {
		t.Fatalf("publish needs portMappings in x-test.runtimeConfig: %v", err)
	}
	for _, m := range mappings {
		if m.proto() != "tcp" && m.proto() != "udp" {
			t.Fatalf("publish probes tcp and udp mappings, not %q", m.Protocol)
		}
	}
	stop := serve(t, rts[0].NetNS, mappings)
	defer stop()
	gws := gateways(t, results[0])
	if len(gws) == 0 {
		t.Fatalf("publish needs a gateway in the result of container 0: %s", results[0])
	}
	host := client{name: "the host"}
	for _, m := range mappings {
		probes := []target{{host, gws[0]}, {host, "127.0.0.1"}}
		if m.HostIP != "" && m.HostIP != gws[0] {
			probes = append(probes, target{host, m.HostIP})
		}
		if len(rts) > 1 {
			probes = append(probes, target{client{"container 1", rts[1].NetNS}, gws[0]})
		}
		if peer != nil {
			probes = append(probes, target{host, outsideHostAddr}, target{client{outsideClient, peer.path}, outsideHostAddr})
		}
		answered := false
		for _, p := range probes {
			reached := probe(p.from.nsPath, m.proto(), p.addr, m.HostPort)
			key := fmt.Sprintf("%s%s %d->%d from %s to %s", publishedPrefix, m.proto(), m.HostPort, m.ContainerPort, p.from.name, net.JoinHostPort(p.addr, strconv.Itoa(m.HostPort)))
			effects[key] = outcome(reached)
			answered = answered || (reached && p.from == host)
		}
		if !answered {
			t.Errorf("%s: %s host port %d does not reach container 0 from the host at any address", label, m.proto(), m.HostPort)
		}
	}
}

// serve starts an echo server in the namespace at nsPath on the container
// port of every mapping; the returned function stops them.
func serve(t *testing.T, nsPath string, mappings []portMapping) (stop func()) {
	t.Helper()
	var closers []io.Closer
	var wg sync.WaitGroup
	stop = func() {
		for _, c := range closers {
			c.Close()
		}
		wg.Wait()
	}
	for _, m := range mappings {
		addr := fmt.Sprintf(":%d", m.ContainerPort)
		var l net.Listener
		var pc net.PacketConn
		// The sockets stay in the namespace they are made in; they are
		// served from any goroutine.
		err := netnsmgr.Do(nsPath, func() error {
			var err error
			if m.proto() == "udp" {
				pc, err = net.ListenPacket("udp4", addr)
			} else {
				l, err = net.Listen("tcp4", addr)
			}
			return err
		})
		if err != nil {
			stop()
			t.Fatalf("listening on %s/%s in container 0: %v", m.proto(), addr, err)
		}
		wg.Add(1)
		if pc != nil {
			closers = append(closers, pc)
			go func() { defer wg.Done(); echoPackets(pc) }()
		} else {
			closers = append(closers, l)
			go func() { defer wg.Done(); echoStreams(l) }()
		}
	}
	return stop
}

// echoPackets answers every datagram on pc with echoPrefix and its
// content, until pc is closed.
func echoPackets(pc net.PacketConn) {
	buf := make([]byte, 512)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		pc.WriteTo(append([]byte(echoPrefix), buf[:n]...), from)
	}
}

// echoStreams answers the first read of every connection on l with
// echoPrefix and its content, until l is closed.
func echoStreams(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		conn.SetDeadline(time.Now().Add(probeTimeout))
		buf := make([]byte, 512)
		if n, err := conn.Read(buf); err == nil {
			conn.Write(append([]byte(echoPrefix), buf[:n]...))
		}
		conn.Close()
	}
}

// probeCount numbers the probes, so that every probe sends its own token.
var probeCount int

// probe reports whether container 0's echo server answers a token sent
// over proto to addr:port from the namespace at nsPath (the host's if
// empty).
func probe(nsPath, proto, addr string, port int) bool {
	probeCount++
	token := fmt.Sprintf("probe %d", probeCount)
	exchange := func() error {
		conn, err := net.DialTimeout(proto+"4", net.JoinHostPort(addr, strconv.Itoa(port)), probeTimeout)
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(probeTimeout))
		if _, err := conn.Write([]byte(token)); err != nil {
			return err
		}
		buf := make([]byte, 512)
		n, err := conn.Read(buf)
		if err != nil {
			return err
		}
		if string(buf[:n]) != echoPrefix+token {
			return errors.New("wrong answer")
		}
		return nil
	}
	if nsPath == "" {
		return exchange() == nil
	}
	return netnsmgr.Do(nsPath, exchange) == nil
}

// publishedThroughDrop checks and then forgets, in the effects of both
// runs, the probes from the outside peer to published ports when the
// FORWARD policy drops and the chain has a firewall. This is a deliberate
// difference: the reference firewall leaves new connections to published
// ports to the FORWARD policy (containernetworking/plugins#467), which
// drops them, while the bundled one accepts destination-NATed connections
// to its containers so that published ports answer other machines (see
// package firewall). So the reference must not answer and the bundled
// plugins must.
func publishedThroughDrop(t *testing.T, opts testOptions, raw []byte, want, got map[string]string) {
	t.Helper()
	if !opts.ForwardDrop || !opts.Publish || !opts.Outside || !slices.Contains(pluginTypes(t, raw), "firewall") {
		return
	}
	for k := range want {
		if !strings.HasPrefix(k, publishedPrefix) || !strings.Contains(k, " from "+outsideClient+" to ") {
			continue
		}
		if want[k] != outcome(false) || got[k] != outcome(true) {
			t.Errorf("%s: through FORWARD DROP the reference must not answer and the bundled plugins must: reference %s, bundled %s", k, want[k], got[k])
		}
		delete(want, k)
		delete(got, k)
	}
}

// pluginTypes returns the types of the plugins of a conflist, in order.
func pluginTypes(t *testing.T, raw []byte) []string {
	t.Helper()
	var list struct {
		Plugins []struct {
			Type string `json:"type"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, p := range list.Plugins {
		types = append(types, p.Type)
	}
	return types
}
