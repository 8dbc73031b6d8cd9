package hostlocal

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestSecondAddRejected wants a second ADD of the same container and
// interface to fail naming the addresses it holds, and to change nothing,
// while another interface of the same container gets its own addresses.
func TestSecondAddRejected(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	for _, ver := range versions {
		t.Run(ver, func(t *testing.T) {
			dataDir := t.TempDir()
			conf := netconf(t, ver, dataDir, dualStack, nil)
			first := p.add(t, conf, "c1").IPs(t, ver)
			before := files(t, dataDir)
			p.add(t, conf, "c1").WantError(t, first[0], first[1], `container "c1", ifname "eth0"`, "already holds")
			if got := files(t, dataDir); !maps.Equal(got, before) {
				t.Errorf("the rejected ADD changed the allocation directory:\n got %v\nwant %v", got, before)
			}
			other := p.run(t, plugintest.Call{Command: "ADD", ContainerID: "c1", IfName: "eth1", Conf: conf}).IPs(t, ver)
			if slices.Equal(other, first) {
				t.Errorf("eth1 got the addresses of eth0: %v", other)
			}
		})
	}
}

// TestDelIdempotent wants DEL to remove the allocation files of the
// attachment, and only those, and a repeated DEL or a DEL of an unknown
// container to succeed.
func TestDelIdempotent(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	for _, ver := range versions {
		t.Run(ver, func(t *testing.T) {
			dataDir := t.TempDir()
			conf := netconf(t, ver, dataDir, dualStack, nil)
			p.del(t, conf, "never-added").Ok(t)
			kept := p.add(t, conf, "c1").IPs(t, ver)
			p.add(t, conf, "c2")
			p.del(t, conf, "c2").Ok(t)
			p.del(t, conf, "c2").Ok(t)
			got := allocated(t, dataDir)
			slices.Sort(kept)
			if !slices.Equal(got, kept) {
				t.Errorf("after DEL c2: allocated %v, want c1's %v", got, kept)
			}
			p.del(t, conf, "c1").Ok(t)
			if got := allocated(t, dataDir); len(got) != 0 {
				t.Errorf("after DEL c1: allocated %v, want none", got)
			}
		})
	}
}

// TestCheck wants CHECK to pass while the attachment holds the addresses
// of its prevResult, and to fail naming the address otherwise.
func TestCheck(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	for _, ver := range []string{"0.4.0", "1.0.0", "1.1.0"} {
		t.Run(ver, func(t *testing.T) {
			dataDir := t.TempDir()
			conf := netconf(t, ver, dataDir, dualStack, nil)
			added := p.add(t, conf, "c1")
			withPrev := func(stdout string) string {
				var prev map[string]any
				if err := json.Unmarshal([]byte(stdout), &prev); err != nil {
					t.Fatal(err)
				}
				return netconf(t, ver, dataDir, dualStack, map[string]any{"prevResult": prev})
			}
			check := func(conf string) plugintest.Outcome {
				return p.run(t, plugintest.Call{Command: "CHECK", ContainerID: "c1", IfName: "eth0", Conf: conf})
			}
			check(conf).Ok(t)
			check(withPrev(added.Stdout)).Ok(t)

			other := p.add(t, conf, "c2")
			check(withPrev(other.Stdout)).WantError(t, other.IPs(t, ver)[0], `allocated to container "c2", ifname "eth0"`)

			p.del(t, conf, "c1").Ok(t)
			check(conf).WantError(t, "holds no address")
			check(withPrev(added.Stdout)).WantError(t, added.IPs(t, ver)[0], "not allocated")
		})
	}
}

// TestDefaultDataDir wants allocations under /var/lib/cni/networks when
// the configuration names no dataDir; the hermetic overlay keeps them off
// the host.
func TestDefaultDataDir(t *testing.T) {
	hermetic.Require(t)
	p := ours(t)
	const conf = `{"cniVersion": "1.0.0", "name": "default-dir", "ipam": {"type": "host-local", "subnet": "10.50.0.0/24"}}`
	p.add(t, conf, "c1").Ok(t)
	file := filepath.Join(defaultDataDir, "default-dir", "10.50.0.2")
	data, err := os.ReadFile(file)
	if err != nil || string(data) != "c1\r\neth0" {
		t.Fatalf("allocation file %s: %q, %v", file, data, err)
	}
	p.del(t, conf, "c1").Ok(t)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("DEL kept %s (%v)", file, err)
	}
}
