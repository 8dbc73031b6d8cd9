package bridge_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestGC attaches three containers with NAT and the MAC spoof check, then
// a runtime that lost its cache runs GC with only the first one valid:
// the plugin releases the others' addresses (through its IPAM plugin's
// GC), NAT and spoof checks, from its own state. The reference host-local
// has no GC, so this test uses cnictl's.
func TestGC(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib9", "net-gc")
	dir := testbin.Build(t, "github.com/cnictl/cnictl/plugins/cmd/bridge", "github.com/cnictl/cnictl/plugins/cmd/host-local")
	e.CNI = libcni.New(libcni.WithPluginDirs(dir), libcni.WithCacheDir(e.CacheDir))
	conf := masqConf("cnib9")
	conf["macspoofchk"] = true
	l := list(e, "net-gc", "1.1.0", conf)
	var ips []string
	for _, id := range []string{"c1", "c2", "c3"} {
		_, res := e.Attach(l, id, e.Container(id))
		ips = append(ips, plugintest.AsCurrent(t, res).IPs[0].Address.IP.String())
	}
	if err := e.CNI.Status(context.Background(), l); err != nil {
		t.Errorf("STATUS: %v", err)
	}

	fresh := libcni.New(libcni.WithPluginDirs(dir), libcni.WithCacheDir(t.TempDir()))
	if err := fresh.GC(context.Background(), l, []types.GCAttachment{{ContainerID: "c1", IfName: "eth0"}}); err != nil {
		t.Fatalf("GC: %v", err)
	}
	if got := e.Allocations("net-gc"); !slices.Contains(got, ips[0]) || len(got) != 2 {
		t.Errorf("allocations after GC: %v, want c1's two", got)
	}
	ruleset := plugintest.Ruleset(t)
	for _, id := range []string{"c2", "c3"} {
		if strings.Contains(ruleset, "net-gc "+id+" eth0") {
			t.Errorf("%s's elements are left after GC:\n%s", id, ruleset)
		}
	}
	if got := strings.Count(ruleset, `comment "net-gc c1 eth0"`); got != 4 {
		t.Errorf("c1 has %d commented elements after GC, want 4 (2 NAT, 2 spoof check):\n%s", got, ruleset)
	}
	if err := e.Check(l, &libcni.RuntimeConf{ContainerID: "c1", IfName: "eth0"}); err != nil {
		t.Errorf("CHECK of c1 after GC: %v", err)
	}
}
