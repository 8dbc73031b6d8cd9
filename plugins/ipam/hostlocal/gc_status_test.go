package hostlocal

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// validAttachment is an entry of cni.dev/valid-attachments.
type validAttachment struct {
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifname"`
}

// TestGC wants GC to release exactly the allocations of attachments that
// are not valid, including files in the format without ifname, and to
// leave the lock, the round-robin cursor and other networks alone.
func TestGC(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	const ver = "1.1.0"
	dataDir := t.TempDir()
	ipam := subnet("10.40.0.0/24")
	conf := netconf(t, ver, dataDir, ipam, nil)
	held := map[validAttachment]string{}
	for _, a := range []validAttachment{{"c0", "eth0"}, {"c1", "eth0"}, {"c1", "eth1"}, {"c2", "eth0"}, {"c3", "eth0"}, {"c4", "eth0"}} {
		o := p.run(t, plugintest.Call{Command: "ADD", ContainerID: a.ContainerID, IfName: a.IfName, Conf: conf})
		held[a] = o.IPs(t, ver)[0]
	}
	netDir := filepath.Join(dataDir, "net")
	for name, content := range map[string]string{"10.40.0.200": "c5", "10.40.0.201": "c6"} {
		if err := os.WriteFile(filepath.Join(netDir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	otherNet := filepath.Join(dataDir, "other", "10.40.0.9")
	if err := os.MkdirAll(filepath.Dir(otherNet), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otherNet, []byte("c0\r\neth0"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := files(t, dataDir)

	gc := func(valid ...validAttachment) {
		t.Helper()
		p.run(t, plugintest.Call{Command: "GC", Conf: netconf(t, ver, dataDir, ipam, map[string]any{"cni.dev/valid-attachments": valid})}).Ok(t)
	}
	gc(validAttachment{"c1", "eth0"}, validAttachment{"c3", "eth0"}, validAttachment{"c5", "eth9"}, validAttachment{"c9", "eth0"})
	want := []string{held[validAttachment{"c1", "eth0"}], held[validAttachment{"c3", "eth0"}], "10.40.0.200"}
	slices.Sort(want)
	if got := allocated(t, dataDir); !slices.Equal(got, want) {
		t.Errorf("after GC: allocated %v, want %v", got, want)
	}
	after := files(t, dataDir)
	for _, name := range []string{"lock", "last_reserved_ip.0"} {
		if got, ok := after[name]; !ok || got != before[name] {
			t.Errorf("GC changed %s: %q, was %q", name, got, before[name])
		}
	}
	if _, err := os.Stat(otherNet); err != nil {
		t.Errorf("GC of network net touched network other: %v", err)
	}

	gc()
	if got := allocated(t, dataDir); len(got) != 0 {
		t.Errorf("after GC with no valid attachment: allocated %v", got)
	}
	p.add(t, conf, "c1").Ok(t)
}

// TestStatus wants STATUS to fail with code 50 naming the range set while
// one has no free address, and to succeed once an address is released.
func TestStatus(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	const ver = "1.1.0"
	dataDir := t.TempDir()
	conf := netconf(t, ver, dataDir, map[string]any{"ranges": []any{
		[]any{map[string]any{"subnet": "10.41.0.0/24"}},
		[]any{map[string]any{"subnet": "10.42.0.0/29", "rangeStart": "10.42.0.2", "rangeEnd": "10.42.0.3"}},
		[]any{map[string]any{"subnet": "fd00:42::/64"}},
	}}, nil)
	status := func() plugintest.Outcome { return p.run(t, plugintest.Call{Command: "STATUS", Conf: conf}) }

	status().Ok(t)
	if _, err := os.Stat(filepath.Join(dataDir, "net")); !os.IsNotExist(err) {
		t.Errorf("STATUS created the allocation directory (%v)", err)
	}
	p.add(t, conf, "c1").Ok(t)
	status().Ok(t)
	p.add(t, conf, "c2").Ok(t)
	if e := status().WantError(t, "no free address", "range set 1 (10.42.0.2-10.42.0.3)"); e.Code != 50 {
		t.Errorf("STATUS error code %d, want 50", e.Code)
	}
	p.add(t, conf, "c3").WantError(t, "no free address", "range set 1 (10.42.0.2-10.42.0.3)")
	p.del(t, conf, "c1").Ok(t)
	status().Ok(t)
}
