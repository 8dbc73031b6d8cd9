package libcni

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/cache"
)

func TestAddRunsChainWithInjectedConfig(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0",
		rec("a").with("ip", "10.1.0.5/24").with("capabilities", map[string]bool{"portMappings": true, "bandwidth": false}),
		rec("b").with("capabilities", map[string]bool{"bandwidth": true}),
	)
	rt := rtFor("c1")
	rt.Args = [][2]string{{"FOO", "bar"}, {"IgnoreUnknown", "1"}}
	rt.CapabilityArgs = map[string]any{"portMappings": []any{"pm"}, "bandwidth": "bw", "mac": "m"}

	res, err := e.cni.Add(context.Background(), l, rt)
	if err != nil {
		t.Fatal(err)
	}
	expectCalls(t, e.calls(), "ADD a", "ADD b")
	rs := e.records()
	for _, r := range rs {
		if r.ContainerID != "c1" || r.Netns != "/run/netns/c1" || r.IfName != "eth0" || r.Args != "FOO=bar;IgnoreUnknown=1" || r.Path != e.cni.PluginDirs()[0] {
			t.Errorf("CNI_* environment of %s: %+v", tagOf(r), r)
		}
		if r.Env["CNI_COMMAND"] != "ADD" {
			t.Errorf("CNI_COMMAND = %q", r.Env["CNI_COMMAND"])
		}
	}
	a, b := stdinOf(t, rs[0]), stdinOf(t, rs[1])
	if a["name"] != "net1" || a["cniVersion"] != "1.0.0" || b["name"] != "net1" {
		t.Errorf("name/cniVersion not injected: %v / %v", a, b)
	}
	if _, ok := a["prevResult"]; ok {
		t.Error("first plugin must not get prevResult")
	}
	if _, ok := a["capabilities"]; ok {
		t.Error("capabilities must not be passed to plugins")
	}
	if fmt.Sprint(a["runtimeConfig"]) != "map[portMappings:[pm]]" || fmt.Sprint(b["runtimeConfig"]) != "map[bandwidth:bw]" {
		t.Errorf("runtimeConfig not the intersection of capabilities and args: %v / %v", a["runtimeConfig"], b["runtimeConfig"])
	}
	prev, _ := b["prevResult"].(map[string]any)
	if prev == nil || !strings.Contains(fmt.Sprint(prev["ips"]), "10.1.0.5/24") {
		t.Errorf("second plugin's prevResult is not the first's result: %v", b["prevResult"])
	}
	r, err := current.GetResult(res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version() != "1.0.0" || len(r.Interfaces) != 2 || r.IPs[0].Address.String() != "10.1.0.5/24" {
		t.Errorf("result %+v", r)
	}
	entry, err := e.cni.Cache().Get(cache.Key{Network: "net1", ContainerID: "c1", IfName: "eth0"})
	if err != nil || !entry.Complete() || entry.CniArgs[0][1] != "bar" || entry.CapabilityArgs["mac"] != "m" {
		t.Fatalf("cache entry %+v, %v", entry, err)
	}
	if _, err := e.cni.Add(context.Background(), l, rt); !errors.Is(err, ErrAlreadyAttached) {
		t.Fatalf("second ADD of the same attachment = %v", err)
	}
	if err := e.cni.Del(context.Background(), l, rt); err != nil {
		t.Fatal(err)
	}
	if files := e.cacheFiles(); len(files) != 0 {
		t.Fatalf("files left in the cache: %v", files)
	}
}

func TestAddConvertsResultsToConfigVersion(t *testing.T) {
	for _, v := range []string{"0.3.1", "0.4.0", "1.0.0", "1.1.0"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t)
			// The recorder prints its result at the version it is asked
			// for; "resultVersion" makes it answer in another one.
			l := e.list("net1", v, rec("a").with("ip", "10.1.0.5/24").with("resultVersion", "1.0.0"), rec("b"))
			res, err := e.cni.Add(context.Background(), l, rtFor("c1"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Version() != v {
				t.Fatalf("result version %s, want %s", res.Version(), v)
			}
			prev := stdinOf(t, e.records()[1])["prevResult"].(map[string]any)
			if prev["cniVersion"] != v {
				t.Fatalf("prevResult version %v, want %s", prev["cniVersion"], v)
			}
			if err := e.cni.Del(context.Background(), l, rtFor("c1")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAddRollsBackAtEveryPosition(t *testing.T) {
	for failAt := 0; failAt < 3; failAt++ {
		t.Run(fmt.Sprintf("fail-at-%d", failAt), func(t *testing.T) {
			e := newEnv(t)
			var ps []plugin
			for i := 0; i < 3; i++ {
				p := rec(fmt.Sprint(i)).with("ip", fmt.Sprintf("10.1.%d.5/24", i))
				if i == failAt {
					p = p.with("fail", map[string]any{"ADD": map[string]any{"code": 11, "msg": "boom", "details": "try later"}})
				}
				ps = append(ps, p)
			}
			l := e.list("net1", "1.0.0", ps...)
			_, err := e.cni.Add(context.Background(), l, rtFor("c1"))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("ADD error %v is not a *Error", err)
			}
			if ce.Code != 11 || ce.Msg != "boom" || ce.Details != "try later" || ce.Plugin == nil || ce.Plugin.Index != failAt ||
				ce.Plugin.Type != "recorder" || ce.Verb != "ADD" || ce.Network != "net1" || ce.ContainerID != "c1" || !ce.RolledBack {
				t.Fatalf("error fields %+v", ce)
			}
			var want []string
			for i := 0; i <= failAt; i++ {
				want = append(want, fmt.Sprintf("ADD %d", i))
			}
			for i := 2; i >= 0; i-- {
				want = append(want, fmt.Sprintf("DEL %d", i))
			}
			expectCalls(t, e.calls(), want...)
			if s := e.state(); len(s) != 0 {
				t.Fatalf("state left after rollback: %v", s)
			}
			if f := e.cacheFiles(); len(f) != 0 {
				t.Fatalf("cache files left after rollback: %v", f)
			}
		})
	}
}

func TestFailedRollbackKeepsEntryForLaterDel(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0",
		rec("a").with("fail", map[string]any{"DEL": map[string]any{"code": 5, "msg": "del broke"}}),
		rec("b").with("fail", map[string]any{"ADD": map[string]any{"code": 11, "msg": "add broke"}}))
	_, err := e.cni.Add(context.Background(), l, rtFor("c1"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Rollback == nil || ce.RolledBack || !strings.Contains(err.Error(), "del broke") || !strings.Contains(err.Error(), "add broke") {
		t.Fatalf("error %v should carry the ADD and the rollback failure", err)
	}
	entry, err := e.cni.Cache().Get(cache.Key{Network: "net1", ContainerID: "c1", IfName: "eth0"})
	if err != nil || entry.Complete() {
		t.Fatalf("the partial attachment must stay recorded for DEL and GC: %+v %v", entry, err)
	}
	// With the plugin fixed, DEL finds the record and cleans up.
	fixed := e.list("net1", "1.0.0", rec("a"), rec("b"))
	if err := e.cni.Del(context.Background(), fixed, &RuntimeConf{ContainerID: "c1", IfName: "eth0"}); err != nil {
		t.Fatal(err)
	}
	last := e.records()[len(e.records())-1]
	if last.Netns != "/run/netns/c1" {
		t.Errorf("DEL without netns should use the cached one, got %q", last.Netns)
	}
	if s := e.state(); len(s) != 0 {
		t.Fatalf("state left: %v", s)
	}
	if f := e.cacheFiles(); len(f) != 0 {
		t.Fatalf("cache files left: %v", f)
	}
}

func TestValidationBeforeAnythingRuns(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0", rec("a"))
	cases := []struct {
		name string
		rt   RuntimeConf
		code uint
	}{
		{"path traversal in container id", RuntimeConf{ContainerID: "../../../etc/x", IfName: "eth0"}, 4},
		{"empty container id", RuntimeConf{ContainerID: "", IfName: "eth0"}, 4},
		{"long ifname", RuntimeConf{ContainerID: "c", IfName: "abcdefghijklmnop"}, 4},
		{"dot ifname", RuntimeConf{ContainerID: "c", IfName: "."}, 4},
		{"dotdot ifname", RuntimeConf{ContainerID: "c", IfName: ".."}, 4},
		{"slash ifname", RuntimeConf{ContainerID: "c", IfName: "a/b"}, 4},
		{"colon ifname", RuntimeConf{ContainerID: "c", IfName: "a:b"}, 4},
		{"space ifname", RuntimeConf{ContainerID: "c", IfName: "a b"}, 4},
		{"empty ifname", RuntimeConf{ContainerID: "c", IfName: ""}, 4},
		{"bad args", RuntimeConf{ContainerID: "c", IfName: "eth0", Args: [][2]string{{"A;B", "c"}}}, 4},
	}
	for _, tc := range cases {
		for _, op := range []string{"ADD", "CHECK", "DEL"} {
			var err error
			switch op {
			case "ADD":
				_, err = e.cni.Add(context.Background(), l, &tc.rt)
			case "CHECK":
				err = e.cni.Check(context.Background(), l, &tc.rt)
			case "DEL":
				err = e.cni.Del(context.Background(), l, &tc.rt)
			}
			if CodeOf(err) != tc.code {
				t.Errorf("%s %s: error %v, want code %d", op, tc.name, err, tc.code)
			}
		}
	}
	bad := *l
	bad.Name = "../x"
	if _, err := e.cni.Add(context.Background(), &bad, rtFor("c")); CodeOf(err) != 7 {
		t.Errorf("bad network name: %v, want code 7", err)
	}
	missing := e.list("net1", "1.0.0", rec("a"), plugin{"type": "no-such-plugin"})
	_, err := e.cni.Add(context.Background(), missing, rtFor("c"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Code != 7 || ce.Plugin == nil || ce.Plugin.Index != 1 || !strings.Contains(err.Error(), "no-such-plugin") {
		t.Errorf("missing plugin: %v", err)
	}
	if calls := e.calls(); len(calls) != 0 {
		t.Fatalf("plugins ran despite invalid input: %v", calls)
	}
	if f := e.cacheFiles(); len(f) != 0 {
		t.Fatalf("files written despite invalid input: %v", f)
	}
}

func TestConcurrentAddsOnDistinctAttachments(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.1.0", rec("a"), rec("b"))
	const n = 50
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := e.cni.Add(context.Background(), l, rtFor(fmt.Sprintf("c%02d", i)))
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	entries, bad := e.cni.Cache().List()
	if len(entries) != n || len(bad) != 0 {
		t.Fatalf("%d entries, corrupt %v", len(entries), bad)
	}
	for _, en := range entries {
		if !en.Complete() {
			t.Fatalf("incomplete entry %s", en.Key())
		}
	}
	if err := e.cni.GC(context.Background(), l, nil); err != nil {
		t.Fatal(err)
	}
	if f := e.cacheFiles(); len(f) != 0 {
		t.Fatalf("GC with nothing valid left %v", f)
	}
	if s := e.state(); len(s) != 0 {
		t.Fatalf("GC left plugin state %v", s)
	}
	if !slices.Contains(e.calls(), "GC a") {
		t.Fatal("plugins did not get GC")
	}
}
