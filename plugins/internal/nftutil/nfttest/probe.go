package nfttest

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// Probe is one connection attempt: from the namespace NS (the test's own
// if empty) over Network ("tcp", "udp" or "sctp") to Addr.
type Probe struct {
	// Name names the probe in the map Run returns.
	Name string
	// NS is the path of the namespace the connection starts in.
	NS string
	// Network is "tcp", "udp" or "sctp", and Addr the address to
	// connect to.
	Network, Addr string
}

// HostPort joins an address and a port.
func HostPort(ip net.IP, port int) string { return net.JoinHostPort(ip.String(), fmt.Sprint(port)) }

// Run makes every probe at once and returns, for each, the ID of the
// container that answered (see Container.Serve), or "-" if none did.
func Run(probes []Probe) map[string]string {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]string{}
	for _, p := range probes {
		wg.Go(func() {
			id, _ := p.Ask()
			mu.Lock()
			out[p.Name] = id
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// Ask makes the probe and returns the ID of the container that answered
// and the address the connection came from as the container saw it; "-"
// and nil if none answered.
func (p Probe) Ask() (string, net.IP) {
	var id string
	var peer net.IP
	var err error
	// A first datagram may be lost while neighbours are resolved: UDP
	// gets a second chance.
	for range 2 {
		if id, peer, err = AskPeer(p.NS, p.Network, "", p.Addr, time.Second); err == nil || p.Network != "udp" {
			break
		}
	}
	if err != nil {
		return "-", nil
	}
	return id, peer
}

// Compare reports every probe whose answer is not the wanted one.
func Compare(t testing.TB, what string, got, want map[string]string) {
	t.Helper()
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %s: answered by %q, want %q", what, name, got[name], w)
		}
	}
}
