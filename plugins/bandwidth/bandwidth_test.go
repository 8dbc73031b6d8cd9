package bandwidth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// static and dynamic are two sets of limits the tests tell apart.
var (
	static  = limits{ingressRate: 8_000_000, ingressBurst: 400_000, egressRate: 16_000_000, egressBurst: 800_000}
	dynamic = limits{ingressRate: 24_000_000, ingressBurst: 240_000, egressRate: 32_000_000, egressBurst: 320_000}
)

// TestKernelState wants the qdiscs and the ifb of the limits in force, from
// the configuration, from runtimeConfig (spelt bandwidth or, as encoding/json
// matches names case-insensitively, bandWidth) and from the configuration
// when both set them; CHECK to pass (from 0.4.0 on); the ifb listed in the
// result; and DEL to remove the ifb and, from 0.4.0 on, the qdiscs from the
// host-side veth. Before, DEL gets no prevResult to tell that veth by, and
// leaves it, as the reference always does, to the bridge plugin's DEL.
func TestKernelState(t *testing.T) {
	cases := []struct {
		name string
		conf map[string]any
		caps map[string]any
		want limits
	}{
		{"static", static.json(), nil, static},
		{"runtime-config", map[string]any{"capabilities": map[string]any{"bandwidth": true}}, map[string]any{"bandwidth": dynamic.json()}, dynamic},
		{"runtime-config-bandWidth", map[string]any{"capabilities": map[string]any{"bandWidth": true}}, map[string]any{"bandWidth": dynamic.json()}, dynamic},
		{"static-wins", with(static.json(), "capabilities", map[string]any{"bandwidth": true}), map[string]any{"bandwidth": dynamic.json()}, static},
	}
	for _, c := range cases {
		for _, v := range versions {
			t.Run(c.name+"/"+v, func(t *testing.T) {
				e := newEnv(t, plugintest.Ours)
				l := list(e, v, c.conf)
				nsPath := e.Container("bw-a")
				r := rt("bw-a", nsPath, c.caps)
				res := plugintest.AsCurrent(t, e.Add(l, r))
				host := hostVeth(t, nsPath)
				assertShaped(t, shapingOf(t, host, "bw-a"), "bw-a", host, c.want)
				if last := res.Interfaces[len(res.Interfaces)-1]; last.Name != ifbName("bw-a") || last.Sandbox != "" {
					t.Errorf("the result's last interface is %+v, want the ifb %s", last, ifbName("bw-a"))
				}
				if plugintest.AtLeast(v, "0.4.0") {
					if err := e.Check(l, r); err != nil {
						t.Errorf("CHECK: %v", err)
					}
				}

				var afterDel shaping
				e.After("DEL", "bandwidth", func() { afterDel = shapingOf(t, host, "bw-a") })
				e.Del(l, r)
				e.After("DEL", "bandwidth", nil)
				switch {
				case afterDel.Ifb != nil:
					t.Errorf("after the DEL of bandwidth: %v, want no ifb", afterDel)
				case plugintest.AtLeast(v, "0.4.0") && afterDel != (shaping{}):
					t.Errorf("after the DEL of bandwidth, with the veth still there: %v, want nothing", afterDel)
				}
			})
		}
	}
}

// with returns a copy of m with key set to value.
func with(m map[string]any, key string, value any) map[string]any {
	m = plugintest.Clone(m)
	m[key] = value
	return m
}

// TestNoLimits wants a configuration without limits to pass prevResult
// through and to shape nothing, and CHECK (from 0.4.0 on) to pass.
func TestNoLimits(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			l := list(e, v, map[string]any{"capabilities": map[string]any{"bandwidth": true}})
			nsPath := e.Container("bw-a")
			r := rt("bw-a", nsPath, nil)
			res := plugintest.AsCurrent(t, e.Add(l, r))
			if s := shapingOf(t, hostVeth(t, nsPath), "bw-a"); s != (shaping{}) {
				t.Errorf("unshaped attachment: %v, want nothing", s)
			}
			if len(res.Interfaces) != 3 {
				t.Errorf("result has %d interfaces, want the bridge plugin's 3", len(res.Interfaces))
			}
			if plugintest.AtLeast(v, "0.4.0") {
				if err := e.Check(l, r); err != nil {
					t.Errorf("CHECK: %v", err)
				}
			}
		})
	}
}

// TestCheckDetectsTampering wants CHECK to fail once the egress tbf was
// replaced by hand with one of another rate, and once the redirect is gone.
func TestCheckDetectsTampering(t *testing.T) {
	for _, v := range checkVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			l := list(e, v, static.json())
			nsPath := e.Container("bw-a")
			r := rt("bw-a", nsPath, nil)
			e.Add(l, r)
			ifb, err := netlink.LinkByName(ifbName("bw-a"))
			if err != nil {
				t.Fatal(err)
			}
			replaceTBFRate(t, ifb, 1_000_000)
			if err := e.Check(l, r); err == nil || !strings.Contains(err.Error(), "egress") {
				t.Errorf("CHECK after changing the egress rate: %v, want an egress error", err)
			}
			replaceTBFRate(t, ifb, static.egressRate/8)
			if err := e.Check(l, r); err != nil {
				t.Fatalf("CHECK after restoring the egress rate: %v", err)
			}
			host := hostVeth(t, nsPath)
			if err := netlink.QdiscDel(&netlink.Ingress{QdiscAttrs: netlink.QdiscAttrs{LinkIndex: host.Attrs().Index, Handle: netlink.MakeHandle(0xffff, 0), Parent: netlink.HANDLE_INGRESS}}); err != nil {
				t.Fatal(err)
			}
			if err := e.Check(l, r); err == nil || !strings.Contains(err.Error(), "redirect") {
				t.Errorf("CHECK without the redirect: %v, want a redirect error", err)
			}
		})
	}
}

// replaceTBFRate changes the rate of the root tbf of l, in bytes per
// second.
func replaceTBFRate(t *testing.T, l netlink.Link, rate uint64) {
	t.Helper()
	q := rootTBF(t, l)
	if q == nil {
		t.Fatalf("%s has no tbf", l.Attrs().Name)
	}
	err := netlink.QdiscReplace(&netlink.Tbf{
		QdiscAttrs: netlink.QdiscAttrs{LinkIndex: l.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT},
		Rate:       rate, Limit: q.Limit, Buffer: q.Buffer,
	})
	if err != nil {
		t.Fatalf("replacing the tbf of %s: %v", l.Attrs().Name, err)
	}
}

// TestDelAfterNetnsGone wants DEL to remove the ifb when the container's
// namespace, and with it the veth pair, was deleted first, and a repeated
// DEL to succeed. The leak check sees any ifb left.
func TestDelAfterNetnsGone(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			l := list(e, v, static.json())
			nsPath := e.Container("bw-a")
			r := rt("bw-a", nsPath, nil)
			hostVeth := plugintest.AsCurrent(t, e.Add(l, r)).Interfaces[1].Name
			e.DeleteContainer("bw-a")
			if s := shapingOf(t, nil, "bw-a"); s.Ifb == nil {
				t.Fatal("the ifb went with the namespace: the test proves nothing")
			}
			e.Del(l, r)
			if s := shapingOf(t, nil, "bw-a"); s.Ifb != nil {
				t.Errorf("DEL left the ifb %s", s.Ifb.Name)
			}
			e.Del(l, r)
			// The kernel removes the veth pair with the namespace, a
			// little later; the leak check must not see it.
			plugintest.WaitLinkGone(t, hostVeth)
		})
	}
}

// TestGC wants GC to remove the ifbs of this network's attachments that
// are not valid, and to keep the valid ones and ifbs it did not make.
func TestGC(t *testing.T) {
	e := newEnv(t, plugintest.Ours)
	l := list(e, "1.1.0", static.json())
	keep, drop := rt("bw-keep", e.Container("bw-keep"), nil), rt("bw-drop", e.Container("bw-drop"), nil)
	e.Add(l, keep)
	if _, err := e.CNI.Add(context.Background(), l, drop); err != nil {
		t.Fatalf("ADD bw-drop: %v", err)
	}
	foreign := &netlink.Ifb{LinkAttrs: netlink.LinkAttrs{Name: "bwpforeign", TxQLen: -1}}
	if err := netlink.LinkAdd(foreign); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netlink.LinkDel(foreign) })
	// The runtime lost track of bw-drop: libcni cannot DEL it, the
	// plugins' GC must collect it.
	e.Forget(l, drop)
	if err := e.CNI.GC(context.Background(), l, []types.GCAttachment{{ContainerID: "bw-keep", IfName: "eth0"}}); err != nil {
		t.Fatalf("GC: %v", err)
	}
	for name, wantKept := range map[string]bool{ifbName("bw-keep"): true, ifbName("bw-drop"): false, "bwpforeign": true} {
		_, err := netlink.LinkByName(name)
		if kept := err == nil; kept != wantKept {
			t.Errorf("after GC, %s kept=%v, want %v", name, kept, wantKept)
		}
	}
	// The reference bridge does not collect addresses on GC: a DEL
	// without a cache entry releases bw-drop's.
	e.Del(l, drop)
}

// TestRejects wants configurations the plugin cannot honour rejected with
// an error naming the problem, and the ADD rolled back.
func TestRejects(t *testing.T) {
	cases := []struct {
		name string
		conf map[string]any
		want string
	}{
		{"unshaped-subnets", with(static.json(), "unshapedSubnets", []string{"10.0.0.0/8"}), "unshapedSubnets"},
		{"shaped-subnets", with(static.json(), "shapedSubnets", []string{"10.0.0.0/8"}), "shapedSubnets"},
		{"rate-without-burst", map[string]any{"egressRate": 1000000}, "egressBurst must be set"},
		{"burst-without-rate", map[string]any{"ingressBurst": 1000000}, "ingressRate must be set"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			l := list(e, "1.1.0", c.conf)
			_, err := e.CNI.Add(context.Background(), l, rt("bw-a", e.Container("bw-a"), nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ADD: %v, want an error with %q", err, c.want)
			}
		})
	}
}
