package bandwidth_test

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/cnictl/cnictl/netnsmgr"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// The shaped container's limits in both directions, and how much the
// throughput test sends each way: about two seconds at the rate.
const (
	shapedRate  = 16_000_000 // bits per second
	shapedBurst = 320_000    // bits
	transferLen = 4 << 20    // bytes
)

// TestThroughput wants the kernel to enforce the limits of a shaped
// container: over TCP, between the container and the host, it gets less
// than twice its rate each way, while an unshaped container on the same
// bridge gets well above it. The shaped limits come from runtimeConfig,
// the unshaped container has none.
func TestThroughput(t *testing.T) {
	e := newEnv(t, plugintest.Ours)
	l := list(e, "1.0.0", map[string]any{"capabilities": map[string]any{"bandwidth": true}})
	bw := limits{ingressRate: shapedRate, ingressBurst: shapedBurst, egressRate: shapedRate, egressBurst: shapedBurst}
	shapedNS, freeNS := e.Container("bw-shaped"), e.Container("bw-free")
	shaped := plugintest.AsCurrent(t, e.Add(l, rt("bw-shaped", shapedNS, map[string]any{"bandwidth": bw.json()})))
	free := plugintest.AsCurrent(t, e.Add(l, rt("bw-free", freeNS, nil)))
	gateway := shaped.IPs[0].Gateway

	for _, c := range []struct {
		name   string
		from   string
		to     string
		listen net.IP
		shaped bool
	}{
		{"egress/shaped", shapedNS, "", gateway, true},
		{"ingress/shaped", "", shapedNS, shaped.IPs[0].Address.IP, true},
		{"egress/unshaped", freeNS, "", gateway, false},
		{"ingress/unshaped", "", freeNS, free.IPs[0].Address.IP, false},
	} {
		bps := transfer(t, c.from, c.to, c.listen, transferLen)
		t.Logf("%s: %.1f Mbit/s (limit %.0f Mbit/s)", c.name, bps/1e6, float64(shapedRate)/1e6)
		switch {
		case c.shaped && bps >= 2*shapedRate:
			t.Errorf("%s: %.1f Mbit/s, want less than twice the limit of %.0f Mbit/s", c.name, bps/1e6, float64(shapedRate)/1e6)
		case !c.shaped && bps <= 4*shapedRate:
			t.Errorf("%s: %.1f Mbit/s, want well above the other container's limit of %.0f Mbit/s", c.name, bps/1e6, float64(shapedRate)/1e6)
		}
	}
}

// transfer sends n bytes over TCP from a socket made in the namespace at
// fromNS to a listener on ip made in the namespace at toNS ("" for the
// test's own) and returns the throughput the receiver saw, in bits per
// second, from the connection to the last byte.
func transfer(t *testing.T, fromNS, toNS string, ip net.IP, n int) float64 {
	t.Helper()
	var ln net.Listener
	if err := in(toNS, func() (err error) {
		ln, err = net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		return err
	}); err != nil {
		t.Fatalf("listening on %s: %v", ip, err)
	}
	defer ln.Close()
	type received struct {
		n   int64
		d   time.Duration
		err error
	}
	done := make(chan received, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- received{err: err}
			return
		}
		defer c.Close()
		start := time.Now()
		_ = c.SetDeadline(start.Add(20 * time.Second))
		got, err := io.Copy(io.Discard, c)
		done <- received{got, time.Since(start), err}
	}()
	var conn net.Conn
	if err := in(fromNS, func() (err error) {
		conn, err = net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		return err
	}); err != nil {
		t.Fatalf("connecting to %s: %v", ln.Addr(), err)
	}
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	_, err := conn.Write(make([]byte, n))
	if cerr := conn.Close(); err == nil {
		err = cerr
	}
	r := <-done
	if err != nil || r.err != nil || r.n != int64(n) {
		t.Fatalf("sending %d bytes to %s: sent: %v; received %d bytes: %v", n, ln.Addr(), err, r.n, r.err)
	}
	return float64(r.n*8) / r.d.Seconds()
}

// in runs fn in the namespace at nsPath, or here if nsPath is "".
func in(nsPath string, fn func() error) error {
	if nsPath == "" {
		return fn()
	}
	if err := netnsmgr.Do(nsPath, fn); err != nil {
		return fmt.Errorf("in %s: %w", nsPath, err)
	}
	return nil
}
