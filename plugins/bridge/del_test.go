package bridge_test

import (
	"strings"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestDelAfterNetnsGone deletes the container's namespace before DEL: DEL
// still releases the addresses and removes the NAT, and can be repeated.
func TestDelAfterNetnsGone(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, plugintest.Ours, "cnib5", "net-gone")
			l := list(e, "net-gone", v, masqConf("cnib5"))
			nsPath := e.Container("c1")
			rt, res := e.Attach(l, "c1", nsPath)
			hostVeth := plugintest.AsCurrent(t, res).Interfaces[1].Name
			if got := e.Allocations("net-gone"); len(got) != 2 {
				t.Fatalf("allocations after ADD: %v", got)
			}
			e.DeleteContainer("c1")
			e.Del(l, rt)
			e.Del(l, rt)
			if got := e.Allocations("net-gone"); len(got) != 0 {
				t.Errorf("allocations left: %v", got)
			}
			if got := plugintest.Ruleset(t); strings.TrimSpace(got) != "" {
				t.Errorf("ruleset left:\n%s", got)
			}
			// The kernel removes the veth pair with the namespace, a
			// little later.
			plugintest.WaitLinkGone(t, hostVeth)
		})
	}
}

// TestDelRepeated runs DEL on an attachment twice, and on one never added.
func TestDelRepeated(t *testing.T) {
	e := newEnv(t, plugintest.Ours, "cnib6", "net-twice")
	l := list(e, "net-twice", "1.1.0", masqConf("cnib6"))
	nsPath := e.Container("c1")
	rt, _ := e.Attach(l, "c1", nsPath)
	e.Del(l, rt)
	e.Del(l, rt)
	never := *rt
	never.ContainerID = "never"
	e.Del(l, &never)
	if got := e.Allocations("net-twice"); len(got) != 0 {
		t.Errorf("allocations left: %v", got)
	}
}
