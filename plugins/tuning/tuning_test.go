package tuning_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestFieldsTakeEffectAndRestore wants every field to take effect in the
// container, the result to carry the new MAC address, CHECK to pass (from
// 0.4.0 on), and DEL to restore what the bridge plugin had made, sysctls
// included.
func TestFieldsTakeEffectAndRestore(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			l := e.list(v, allFields)
			nsPath := e.Container("tune-a")
			var before, restored linkState
			e.After("ADD", "bridge", func() { before = stateOf(t, nsPath, "eth0", ifSysctl, nsSysctl) })
			e.After("DEL", "tuning", func() { restored = stateOf(t, nsPath, "eth0", ifSysctl, nsSysctl) })
			r := plugintest.RT("tune-a", nsPath)
			res := plugintest.AsCurrent(t, e.Add(l, r))

			if got := stateOf(t, nsPath, "eth0", ifSysctl, nsSysctl); !reflect.DeepEqual(got, want()) {
				t.Errorf("after ADD: got %v, want %v", got, want())
			}
			var macs []string
			for _, intf := range res.Interfaces {
				if intf.Sandbox != "" {
					macs = append(macs, intf.Mac)
				}
			}
			if len(macs) != 1 || macs[0] != want().MAC {
				t.Errorf("result container interface MACs %v, want [%s]", macs, want().MAC)
			}
			if plugintest.AtLeast(v, "0.4.0") {
				if err := e.Check(l, r); err != nil {
					t.Errorf("CHECK after ADD: %v", err)
				}
			}

			e.Del(l, r)
			e.After("DEL", "tuning", nil)
			if !reflect.DeepEqual(restored, before) {
				t.Errorf("after the DEL of tuning: got %v, want the original %v", restored, before)
			}
			if got := sysctlIn(t, nsPath, nsSysctl); got != before.Sysctls[nsSysctl] {
				t.Errorf("%s after DEL is %s, want the original %s", nsSysctl, got, before.Sysctls[nsSysctl])
			}
		})
	}
}

// TestCheckDetectsTampering wants CHECK to fail, naming the MTU, once the
// MTU was changed by hand, and DEL to restore the original MTU anyway.
func TestCheckDetectsTampering(t *testing.T) {
	for _, v := range checkVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			l := e.list(v, map[string]any{"mtu": 1400})
			nsPath := e.Container("tune-a")
			var restored linkState
			e.After("DEL", "tuning", func() { restored = stateOf(t, nsPath, "eth0") })
			r := plugintest.RT("tune-a", nsPath)
			e.Add(l, r)
			if err := e.Check(l, r); err != nil {
				t.Fatalf("CHECK after ADD: %v", err)
			}
			setMTU(t, nsPath, "eth0", 1300)
			err := e.Check(l, r)
			if err == nil || !strings.Contains(err.Error(), "MTU is 1300, configured 1400") {
				t.Errorf("CHECK after changing the MTU: %v, want an error about the MTU", err)
			}
			e.Del(l, r)
			e.After("DEL", "tuning", nil)
			if restored.MTU != 1500 {
				t.Errorf("MTU after the DEL of tuning is %d, want the original 1500", restored.MTU)
			}
		})
	}
}

// TestRejectsNonNetSysctl wants a sysctl outside net.* rejected with an
// error naming the key, the ADD rolled back, and the sysctl untouched.
func TestRejectsNonNetSysctl(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			for _, key := range []string{"kernel.hostname", "vm.swappiness", "net"} {
				l := e.list(v, map[string]any{"sysctl": map[string]any{"net.core.somaxconn": "1024", key: "7"}})
				nsPath := e.Container("tune-a")
				_, err := e.CNI.Add(context.Background(), l, plugintest.RT("tune-a", nsPath))
				if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "only net.* sysctls") {
					t.Errorf("ADD with sysctl %s: %v, want an error naming the key", key, err)
				}
				var le *libcni.Error
				if err != nil && (!errors.As(err, &le) || le.Plugin == nil || le.Plugin.Type != "tuning") {
					t.Errorf("ADD error does not come from tuning: %v", err)
				}
				if got := sysctlIn(t, nsPath, nsSysctl); got == "1024" {
					t.Errorf("the rejected ADD set %s", nsSysctl)
				}
				e.DeleteContainer("tune-a")
			}
		})
	}
}

// TestMACSources wants the MAC address from runtimeConfig (the mac
// capability) and from CNI_ARGS MAC to win over the configuration's, with
// the reference's order: runtimeConfig over CNI_ARGS.
func TestMACSources(t *testing.T) {
	const confMAC, argsMAC, rcMAC = "c2:00:00:00:00:01", "c2:00:00:00:00:02", "c2:00:00:00:00:03"
	cases := []struct {
		name string
		args [][2]string
		caps map[string]any
		want string
	}{
		{"config", nil, nil, confMAC},
		{"cni-args", [][2]string{{"IgnoreUnknown", "1"}, {"MAC", argsMAC}}, nil, argsMAC},
		{"runtime-config", nil, map[string]any{"mac": rcMAC}, rcMAC},
		{"both", [][2]string{{"IgnoreUnknown", "1"}, {"MAC", argsMAC}}, map[string]any{"mac": rcMAC}, rcMAC},
	}
	for _, v := range versions {
		for _, c := range cases {
			t.Run(v+"/"+c.name, func(t *testing.T) {
				e := newEnv(t, plugintest.Ours)
				l := e.list(v, map[string]any{"mac": confMAC, "capabilities": map[string]any{"mac": true}})
				nsPath := e.Container("tune-a")
				r := plugintest.RT("tune-a", nsPath)
				r.Args, r.CapabilityArgs = c.args, c.caps
				res := plugintest.AsCurrent(t, e.Add(l, r))
				if got := stateOf(t, nsPath, "eth0").MAC; got != c.want {
					t.Errorf("MAC of eth0 is %s, want %s", got, c.want)
				}
				for _, intf := range res.Interfaces {
					if intf.Sandbox != "" && intf.Mac != c.want {
						t.Errorf("result says the MAC of %s is %s, want %s", intf.Name, intf.Mac, c.want)
					}
				}
				if plugintest.AtLeast(v, "0.4.0") {
					if err := e.Check(l, r); err != nil {
						t.Errorf("CHECK: %v", err)
					}
				}
			})
		}
	}
}

// TestDelAfterNetnsGone wants DEL to succeed and remove the backup when the
// container's namespace was deleted first, and a repeated DEL to succeed.
func TestDelAfterNetnsGone(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours)
			l := e.list(v, allFields)
			nsPath := e.Container("tune-a")
			r := plugintest.RT("tune-a", nsPath)
			hostVeth := plugintest.AsCurrent(t, e.Add(l, r)).Interfaces[1].Name
			backup := filepath.Join(e.dataDir, "tune-a_eth0.json")
			if _, err := os.Stat(backup); err != nil {
				t.Fatalf("ADD saved no backup: %v", err)
			}
			e.DeleteContainer("tune-a")
			e.Del(l, r)
			if _, err := os.Stat(backup); !os.IsNotExist(err) {
				t.Errorf("DEL left the backup: %v", err)
			}
			e.Del(l, r)
			// The kernel removes the veth pair with the namespace, a
			// little later; the leak check must not see it.
			plugintest.WaitLinkGone(t, hostVeth)
		})
	}
}

// TestGC wants GC to remove the backups of this network's attachments that
// are not valid, and to keep the valid ones and those of other networks.
func TestGC(t *testing.T) {
	e := newEnv(t, plugintest.Ours)
	l := e.list("1.1.0", allFields)
	keep, drop := plugintest.RT("tune-keep", e.Container("tune-keep")), plugintest.RT("tune-drop", e.Container("tune-drop"))
	e.Add(l, keep)
	res, err := e.CNI.Add(context.Background(), l, drop)
	if err != nil || res == nil {
		t.Fatalf("ADD tune-drop: %v", err)
	}
	other := filepath.Join(e.dataDir, "other_eth0.json")
	if err := os.WriteFile(other, []byte(`{"mtu":1500,"network":"othernet","containerID":"other","ifName":"eth0"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(other) })
	// The runtime lost track of tune-drop: libcni cannot DEL it, the
	// plugins' GC must collect it.
	e.Forget(l, drop)
	if err := e.CNI.GC(context.Background(), l, []types.GCAttachment{{ContainerID: "tune-keep", IfName: "eth0"}}); err != nil {
		t.Fatalf("GC: %v", err)
	}
	for path, wantKept := range map[string]bool{
		filepath.Join(e.dataDir, "tune-keep_eth0.json"): true,
		filepath.Join(e.dataDir, "tune-drop_eth0.json"): false,
		other: true,
	} {
		_, err := os.Stat(path)
		if kept := err == nil; kept != wantKept {
			t.Errorf("after GC, %s kept=%v, want %v", filepath.Base(path), kept, wantKept)
		}
	}
	// The reference bridge does not collect addresses on GC: a DEL
	// without a cache entry releases tune-drop's.
	e.Del(l, drop)
}
