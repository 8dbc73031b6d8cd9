package differential

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/netnsmgr"
)

// The outside peer is a namespace behind the host, reached through a veth
// pair: traffic between it and the containers is forwarded by the host.
const (
	outsideLink     = "diffout0"
	outsideHostAddr = "10.97.250.1"
	outsidePeerAddr = "10.97.250.2"
)

// outside is the outside peer of one run.
type outside struct {
	name, path string
}

// newOutside creates the outside peer: a namespace whose only route is a
// default route through the host, which holds outsideHostAddr on its end
// of the link.
func newOutside(t *testing.T, label string) *outside {
	t.Helper()
	o := &outside{name: "outside-" + label}
	path, err := netnsmgr.New("").Create(o.name)
	if err != nil {
		t.Fatal(err)
	}
	o.path = path
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: outsideLink},
		PeerName:      outsideLink + "p",
		PeerNamespace: netlink.NsFd(int(f.Fd())),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatalf("creating the outside link: %v", err)
	}
	if err := configure(outsideLink, outsideHostAddr, ""); err != nil {
		t.Fatal(err)
	}
	err = netnsmgr.Do(path, func() error {
		if err := configure("lo", "", ""); err != nil {
			return err
		}
		return configure(outsideLink+"p", outsidePeerAddr, outsideHostAddr)
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// configure brings the link name up, with addr/24 if addr is set and a
// default route through gw if gw is set.
func configure(name, addr, gw string) error {
	link, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	if addr != "" {
		ipn := &net.IPNet{IP: net.ParseIP(addr), Mask: net.CIDRMask(24, 32)}
		if err := netlink.AddrAdd(link, &netlink.Addr{IPNet: ipn}); err != nil {
			return err
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return err
	}
	if gw != "" {
		return netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.ParseIP(gw)})
	}
	return nil
}

// remove deletes the outside peer, its link first, so that the host end
// is gone before the namespace is.
func (o *outside) remove(t *testing.T) {
	t.Helper()
	removeLink(outsideLink)
	if err := netnsmgr.New("").Delete(o.name); err != nil {
		t.Error(err)
	}
}

// observe records whether the outside peer reaches a container by ping,
// which is forwarded traffic the container did not start. With the
// forwarding policy DROP it must not: otherwise the policy is not in force
// and the case proves nothing about the firewall plugin.
func (o *outside) observe(t *testing.T, label, containerIP string, forwardDrop bool, effects map[string]string) {
	t.Helper()
	_, err := pings(o.path, containerIP, 1)
	effects["ping from the outside peer to container 0"] = outcome(err == nil)
	if forwardDrop && err == nil {
		t.Errorf("%s: the outside peer reaches container 0 although the FORWARD policy is DROP", label)
	}
}

// outcome describes a reachability.
func outcome(reached bool) string {
	if reached {
		return "reached"
	}
	return "unreachable"
}

// setForwardPolicy sets the policy of the FORWARD chain of iptables'
// filter table, as Docker does, in the private namespace.
func setForwardPolicy(t *testing.T, policy string) {
	t.Helper()
	if out, err := exec.Command("iptables", "-P", "FORWARD", policy).CombinedOutput(); err != nil {
		t.Fatalf("iptables -P FORWARD %s: %v: %s", policy, err, out)
	}
}

// bridgeNetfilterSysctls send bridged IPv4 and IPv6 traffic through the
// forward hook of the inet families; they exist while the br_netfilter
// module is loaded and are per network namespace.
var bridgeNetfilterSysctls = []string{
	"/proc/sys/net/bridge/bridge-nf-call-iptables",
	"/proc/sys/net/bridge/bridge-nf-call-ip6tables",
}

// setBridgeNetfilter makes traffic between ports of a bridge go through
// the forward hook (on) or not, in the private namespace, so that cases do
// not depend on whether the machine loaded br_netfilter. Without the
// module off is what happens anyway, and on skips t.
func setBridgeNetfilter(t *testing.T, on bool) {
	t.Helper()
	value := "0"
	if on {
		value = "1"
	}
	for _, f := range bridgeNetfilterSysctls {
		err := os.WriteFile(f, []byte(value), 0o644)
		switch {
		case err == nil:
		case errors.Is(err, fs.ErrNotExist) && !on:
			return
		case errors.Is(err, fs.ErrNotExist):
			t.Skip("bridgeNetfilter needs the br_netfilter module, which is not loaded")
		default:
			t.Fatal(err)
		}
	}
}
