package tuning_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/netnsmgr"
)

// The sysctls the tests set: one of the container interface and one of
// the namespace, which survives the interface.
const (
	ifSysctl = "net/ipv4/conf/eth0/arp_ignore"
	nsSysctl = "net/core/somaxconn"
)

// allFields is a tuning configuration that sets every field.
var allFields = map[string]any{
	"mac":      "c2:11:22:33:44:55",
	"mtu":      1400,
	"promisc":  true,
	"allmulti": true,
	"txQLen":   2000,
	"sysctl": map[string]any{
		"net.ipv4.conf.IFNAME.arp_ignore": "1",
		"net.core.somaxconn":              "1024",
	},
}

// linkState is what tuning changes on an interface and in its namespace.
type linkState struct {
	MAC      string
	MTU      int
	Promisc  bool
	Allmulti bool
	TxQLen   int
	Sysctls  map[string]string
}

// stateOf reads the state of the interface name in the namespace at
// nsPath, with the sysctls (files below /proc/sys) that exist.
func stateOf(t *testing.T, nsPath, name string, sysctls ...string) linkState {
	t.Helper()
	var s linkState
	err := netnsmgr.Do(nsPath, func() error {
		l, err := netlink.LinkByName(name)
		if err != nil {
			return err
		}
		a := l.Attrs()
		s = linkState{MAC: a.HardwareAddr.String(), MTU: a.MTU, Promisc: a.Promisc != 0,
			Allmulti: a.RawFlags&unix.IFF_ALLMULTI != 0, TxQLen: a.TxQLen, Sysctls: map[string]string{}}
		for _, p := range sysctls {
			v, err := readSysctl(p)
			if err != nil {
				return err
			}
			s.Sysctls[p] = v
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the state of %s in %s: %v", name, nsPath, err)
	}
	return s
}

// readSysctl reads the sysctl file p below /proc/sys of the calling
// thread's namespace.
func readSysctl(p string) (string, error) {
	data, err := os.ReadFile(filepath.Join("/proc/sys", p))
	return strings.TrimSpace(string(data)), err
}

// sysctlIn reads the sysctl file p in the namespace at nsPath.
func sysctlIn(t *testing.T, nsPath, p string) string {
	t.Helper()
	var v string
	err := netnsmgr.Do(nsPath, func() (err error) {
		v, err = readSysctl(p)
		return err
	})
	if err != nil {
		t.Fatalf("reading sysctl %s in %s: %v", p, nsPath, err)
	}
	return v
}

// setMTU changes the MTU of name in the namespace at nsPath by hand.
func setMTU(t *testing.T, nsPath, name string, mtu int) {
	t.Helper()
	err := netnsmgr.Do(nsPath, func() error {
		l, err := netlink.LinkByName(name)
		if err != nil {
			return err
		}
		return netlink.LinkSetMTU(l, mtu)
	})
	if err != nil {
		t.Fatalf("setting the MTU of %s: %v", name, err)
	}
}

// want is the state allFields asks for.
func want() linkState {
	return linkState{MAC: "c2:11:22:33:44:55", MTU: 1400, Promisc: true, Allmulti: true, TxQLen: 2000,
		Sysctls: map[string]string{ifSysctl: "1", nsSysctl: "1024"}}
}

// String prints a state for failure messages.
func (s linkState) String() string {
	return fmt.Sprintf("mac=%s mtu=%d promisc=%v allmulti=%v txqlen=%d sysctls=%v", s.MAC, s.MTU, s.Promisc, s.Allmulti, s.TxQLen, s.Sysctls)
}
