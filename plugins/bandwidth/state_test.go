package bandwidth_test

import (
	"fmt"
	"net"
	"testing"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/utils"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/netnsmgr"
)

// tbf is what the tests compare of a tbf qdisc, as the kernel reports it.
type tbf struct {
	Rate   uint64 // bytes per second
	Limit  uint32 // bytes
	Buffer uint32 // ticks
}

// ifbState is what the tests compare of an ifb, its alias aside.
type ifbState struct {
	Name   string
	Up     bool
	MTU    int
	TxQLen int
	TBF    *tbf
}

// shaping is the traffic control state of an attachment on the host.
type shaping struct {
	// HostTBF is the root tbf of the host-side veth, nil if none.
	HostTBF *tbf
	// HostIngress says whether the host-side veth has an ingress qdisc.
	HostIngress bool
	// RedirectTo names the link an ingress filter of the host-side veth
	// redirects to, "" if none.
	RedirectTo string
	// Ifb is the attachment's ifb, nil if it does not exist.
	Ifb *ifbState
}

func (s shaping) String() string {
	ifb := "none"
	if s.Ifb != nil {
		i := s.Ifb
		ifb = fmt.Sprintf("{name=%s up=%v mtu=%d txqlen=%d tbf=%+v}", i.Name, i.Up, i.MTU, i.TxQLen, i.TBF)
	}
	return fmt.Sprintf("hostTBF=%+v hostIngress=%v redirectTo=%q ifb=%s", s.HostTBF, s.HostIngress, s.RedirectTo, ifb)
}

// ifbName is the name the reference plugin gives the ifb of a container.
func ifbName(containerID string) string {
	return utils.MustFormatHashWithPrefix(15, "bwp", network+containerID)
}

// hostVeth returns the host-side peer of eth0 in the namespace at nsPath.
func hostVeth(t *testing.T, nsPath string) netlink.Link {
	t.Helper()
	var peer int
	err := netnsmgr.Do(nsPath, func() error {
		l, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		peer = l.Attrs().ParentIndex
		return nil
	})
	if err != nil {
		t.Fatalf("finding eth0 in %s: %v", nsPath, err)
	}
	l, err := netlink.LinkByIndex(peer)
	if err != nil {
		t.Fatalf("finding the host-side veth (index %d): %v", peer, err)
	}
	return l
}

// shapingOf reads the shaping of container id whose host-side veth is
// host (nil if it is gone).
func shapingOf(t *testing.T, host netlink.Link, id string) shaping {
	t.Helper()
	var s shaping
	if host != nil {
		s.HostTBF = rootTBF(t, host)
		qdiscs, err := netlinksafe.QdiscList(host)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qdiscs {
			if _, ok := q.(*netlink.Ingress); ok {
				s.HostIngress = true
			}
		}
		s.RedirectTo = redirectTarget(t, host)
	}
	if l, err := netlink.LinkByName(ifbName(id)); err == nil {
		a := l.Attrs()
		s.Ifb = &ifbState{Name: a.Name, Up: a.Flags&net.FlagUp != 0, MTU: a.MTU, TxQLen: a.TxQLen, TBF: rootTBF(t, l)}
		if _, ok := l.(*netlink.Ifb); !ok {
			t.Errorf("%s is a %s, not an ifb", a.Name, l.Type())
		}
	}
	return s
}

// rootTBF returns the root tbf of l, nil if it has none.
func rootTBF(t *testing.T, l netlink.Link) *tbf {
	t.Helper()
	qdiscs, err := netlinksafe.QdiscList(l)
	if err != nil {
		t.Fatalf("listing the qdiscs of %s: %v", l.Attrs().Name, err)
	}
	for _, q := range qdiscs {
		if q, ok := q.(*netlink.Tbf); ok && q.Parent == netlink.HANDLE_ROOT {
			return &tbf{Rate: q.Rate, Limit: q.Limit, Buffer: q.Buffer}
		}
	}
	return nil
}

// redirectTarget returns the name of the link a mirred action of an
// ingress filter of l redirects to, "" if none does.
func redirectTarget(t *testing.T, l netlink.Link) string {
	t.Helper()
	filters, err := netlinksafe.FilterList(l, netlink.MakeHandle(0xffff, 0))
	if err != nil {
		return ""
	}
	for _, f := range filters {
		u32, ok := f.(*netlink.U32)
		if !ok {
			continue
		}
		for _, a := range u32.Actions {
			if m, ok := a.(*netlink.MirredAction); ok && m.MirredAction == netlink.TCA_EGRESS_REDIR {
				target, err := netlink.LinkByIndex(m.Ifindex)
				if err != nil {
					return fmt.Sprintf("index %d", m.Ifindex)
				}
				return target.Attrs().Name
			}
		}
	}
	return ""
}

// limits are bandwidth limits in a test's configuration or runtimeConfig.
type limits struct {
	ingressRate, ingressBurst, egressRate, egressBurst uint64
}

// json returns l as the plugin's fields.
func (l limits) json() map[string]any {
	return map[string]any{"ingressRate": l.ingressRate, "ingressBurst": l.ingressBurst, "egressRate": l.egressRate, "egressBurst": l.egressBurst}
}

// assertShaped wants s to shape container id with l: the rates in the
// tbfs, the queue limits of the reference's formula (25 ms at the rate,
// plus the burst), the ifb up with the host veth's MTU and the redirect.
func assertShaped(t *testing.T, s shaping, id string, host netlink.Link, l limits) {
	t.Helper()
	wantTBF := func(what string, got *tbf, rate, burst uint64) {
		t.Helper()
		if got == nil {
			t.Errorf("%s: no tbf qdisc", what)
			return
		}
		wantLimit := uint32(rate/8*25/1000 + burst/8)
		if got.Rate != rate/8 || got.Limit != wantLimit {
			t.Errorf("%s: tbf rate %d B/s, limit %d B; want rate %d B/s, limit %d B", what, got.Rate, got.Limit, rate/8, wantLimit)
		}
	}
	wantTBF("host veth (ingress)", s.HostTBF, l.ingressRate, l.ingressBurst)
	if s.Ifb == nil {
		t.Fatalf("ifb %s does not exist", ifbName(id))
	}
	wantTBF("ifb (egress)", s.Ifb.TBF, l.egressRate, l.egressBurst)
	if !s.Ifb.Up || s.Ifb.MTU != host.Attrs().MTU {
		t.Errorf("ifb up=%v mtu=%d, want up with the host veth's mtu %d", s.Ifb.Up, s.Ifb.MTU, host.Attrs().MTU)
	}
	if !s.HostIngress || s.RedirectTo != s.Ifb.Name {
		t.Errorf("host veth: ingress qdisc %v, redirect to %q; want a redirect to %s", s.HostIngress, s.RedirectTo, s.Ifb.Name)
	}
}
