package differential

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
)

// linkOptions is the "link" option: what every container's interface must
// look like after ADD. Unset fields are not checked.
type linkOptions struct {
	MTU      *int  `json:"mtu"`
	TxQLen   *int  `json:"txQLen"`
	Promisc  *bool `json:"promisc"`
	Allmulti *bool `json:"allmulti"`
}

// checkSysctls fails t unless every sysctl of want reads its value in the
// namespace at nsPath.
func checkSysctls(t *testing.T, label, nsPath string, want map[string]string) {
	t.Helper()
	for _, key := range slices.Sorted(maps.Keys(want)) {
		var got []byte
		err := netnsmgr.Do(nsPath, func() error {
			var err error
			got, err = os.ReadFile(filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/")))
			return err
		})
		if err != nil {
			t.Errorf("%s: reading %s: %v", label, key, err)
		} else if v := strings.TrimSpace(string(got)); v != want[key] {
			t.Errorf("%s: %s in %s is %q, want %q", label, key, nsPath, v, want[key])
		}
	}
}

// checkLink fails t unless the container interface of rt has the
// attributes of want, and the MAC address of runtimeConfig's mac, if any.
func checkLink(t *testing.T, label, nsPath string, rt *libcni.RuntimeConf, want *linkOptions) {
	t.Helper()
	mac, _ := rt.CapabilityArgs["mac"].(string)
	if want == nil && mac == "" {
		return
	}
	var link netlink.Link
	err := netnsmgr.Do(nsPath, func() error {
		var err error
		link, err = netlinksafe.LinkByName(rt.IfName)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	a := link.Attrs()
	check := func(name string, got, want any) {
		if got != want {
			t.Errorf("%s: %s of %s in %s is %v, want %v", label, name, rt.IfName, nsPath, got, want)
		}
	}
	if mac != "" {
		check("MAC address", a.HardwareAddr.String(), mac)
	}
	if want == nil {
		return
	}
	if want.MTU != nil {
		check("MTU", a.MTU, *want.MTU)
	}
	if want.TxQLen != nil {
		check("txqueuelen", a.TxQLen, *want.TxQLen)
	}
	if want.Promisc != nil {
		check("promiscuous mode", a.Promisc == 1, *want.Promisc)
	}
	if want.Allmulti != nil {
		check("all-multicast mode", a.Allmulti == 1, *want.Allmulti)
	}
}

// observeShaping records, under effects, the qdiscs and ingress filters of
// the host-side links of container i's result: its veth and, with an
// egress limit, bandwidth's ifb. Links are named by their role, as veth
// names are random. It returns how many tbf qdiscs it saw.
func observeShaping(t *testing.T, i int, result []byte, effects map[string]string) int {
	t.Helper()
	var res struct {
		Interfaces []struct {
			Name    string `json:"name"`
			Sandbox string `json:"sandbox"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal(result, &res); err != nil {
		t.Fatal(err)
	}
	tbfs := 0
	for _, iface := range res.Interfaces {
		if iface.Sandbox != "" {
			continue
		}
		link, err := netlinksafe.LinkByName(iface.Name)
		if err != nil {
			t.Fatalf("host-side interface %s of the result: %v", iface.Name, err)
		}
		role := link.Type()
		if role != "veth" && role != "ifb" {
			continue
		}
		qdiscs, err := netlinksafe.QdiscList(link)
		if err != nil {
			t.Fatal(err)
		}
		var descs []string
		for _, q := range qdiscs {
			descs = append(descs, describeQdisc(q))
			if _, ok := q.(*netlink.Tbf); ok {
				tbfs++
			}
		}
		filters, err := netlinksafe.FilterList(link, netlink.MakeHandle(0xffff, 0))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range filters {
			descs = append(descs, describeFilter(t, f))
		}
		slices.Sort(descs)
		effects[fmt.Sprintf("container %d: traffic control on the host-side %s", i, role)] = strings.Join(descs, "; ")
	}
	return tbfs
}

// describeQdisc describes a qdisc by kind, handle, parent and, for tbf,
// its parameters.
func describeQdisc(q netlink.Qdisc) string {
	a := q.Attrs()
	d := fmt.Sprintf("qdisc %s %s parent %s", q.Type(), netlink.HandleStr(a.Handle), netlink.HandleStr(a.Parent))
	if tbf, ok := q.(*netlink.Tbf); ok {
		d += fmt.Sprintf(" rate %d buffer %d limit %d peakrate %d minburst %d", tbf.Rate, tbf.Buffer, tbf.Limit, tbf.Peakrate, tbf.Minburst)
	}
	return d
}

// describeFilter describes an ingress filter by kind and, for u32, its
// mirred actions with the name of the target (an ifb, whose name both
// plugins derive from the network and the container ID).
func describeFilter(t *testing.T, f netlink.Filter) string {
	t.Helper()
	d := "filter " + f.Type()
	u32, ok := f.(*netlink.U32)
	if !ok {
		return d
	}
	for _, a := range u32.Actions {
		m, ok := a.(*netlink.MirredAction)
		if !ok {
			d += " action " + a.Type()
			continue
		}
		target, err := netlink.LinkByIndex(m.Ifindex)
		if err != nil {
			t.Fatalf("target of mirred action: %v", err)
		}
		d += fmt.Sprintf(" mirred %d to %s %s", m.MirredAction, target.Type(), target.Attrs().Name)
	}
	return d
}
