package libcni

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/cache"
)

func TestDelReversesAndReplaysCachedArgs(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0",
		rec("a").with("ip", "10.1.0.5/24"),
		rec("pm").with("capabilities", map[string]bool{"portMappings": true}))
	rt := rtFor("c1")
	rt.Args = [][2]string{{"K", "v"}}
	rt.CapabilityArgs = map[string]any{"portMappings": []any{map[string]any{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}}}
	if _, err := e.cni.Add(context.Background(), l, rt); err != nil {
		t.Fatal(err)
	}
	e.resetRecords()
	// The caller no longer knows the mappings; DEL must replay them.
	if err := e.cni.Del(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, e.calls(), "DEL pm", "DEL a")
	for _, r := range e.records() {
		in := stdinOf(t, r)
		prev, _ := in["prevResult"].(map[string]any)
		if prev == nil || !strings.Contains(fmt.Sprint(prev["ips"]), "10.1.0.5/24") {
			t.Errorf("DEL %s prevResult is not the cached result: %v", tagOf(r), in["prevResult"])
		}
		if r.Args != "K=v" {
			t.Errorf("DEL %s CNI_ARGS %q, want the cached K=v", tagOf(r), r.Args)
		}
	}
	pm := stdinOf(t, e.records()[0])
	if !strings.Contains(fmt.Sprint(pm["runtimeConfig"]), "hostPort:8080") {
		t.Errorf("cached portMappings not replayed: %v", pm["runtimeConfig"])
	}
	if f := e.cacheFiles(); len(f) != 0 {
		t.Fatalf("cache files left: %v", f)
	}
	// Idempotent: a second DEL runs the plugins without prevResult.
	e.resetRecords()
	if err := e.cni.Del(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatalf("second DEL: %v", err)
	}
	expectCalls(t, e.calls(), "DEL pm", "DEL a")
	if _, ok := stdinOf(t, e.records()[0])["prevResult"]; ok {
		t.Error("DEL without a cache entry must not invent a prevResult")
	}
}

func TestDelBelow040HasNoPrevResult(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "0.3.1", rec("a").with("ip", "10.1.0.5/24"))
	if _, err := e.cni.Add(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	e.resetRecords()
	if err := e.cni.Del(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	if _, ok := stdinOf(t, e.records()[0])["prevResult"]; ok {
		t.Error("cniVersion 0.3.1 DEL must not get prevResult")
	}
}

func TestDelSurvivesCorruptCacheAndMissingNetns(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0", rec("a"))
	if _, err := e.cni.Add(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	path := e.cni.Cache().Path(cache.Key{Network: "net1", ContainerID: "c1", IfName: "eth0"})
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The netns path never existed: the recorder does not enter it, as a
	// plugin whose namespace is gone would not.
	if err := e.cni.Del(context.Background(), l, &RuntimeConf{ContainerID: "c1", NetNS: "/run/netns/gone", IfName: "eth0"}); err != nil {
		t.Fatalf("DEL with an empty cache file: %v", err)
	}
	if s := e.state(); len(s) != 0 {
		t.Fatalf("state left: %v", s)
	}
	if f := e.cacheFiles(); len(f) != 0 {
		t.Fatalf("corrupt entry not removed: %v", f)
	}
}

func TestDelFailureKeepsEntryAndHalts(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0", rec("a"), rec("b"))
	if _, err := e.cni.Add(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	e.resetRecords()
	broken := e.list("net1", "1.0.0", rec("a"), rec("b").with("fail", map[string]any{"DEL": map[string]any{"code": 5, "msg": "io"}}))
	err := e.cni.Del(context.Background(), broken, rtFor("c1"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Code != 5 || ce.Plugin.Index != 1 || ce.Verb != "DEL" {
		t.Fatalf("DEL error %v", err)
	}
	expectCalls(t, e.calls(), "DEL b")
	if _, err := e.cni.Cache().Get(cache.Key{Network: "net1", ContainerID: "c1", IfName: "eth0"}); err != nil {
		t.Fatalf("entry must stay after a failed DEL: %v", err)
	}
	if err := e.cni.Del(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0", rec("a").with("ip", "10.1.0.5/24"), rec("b"))
	rt := rtFor("c1")
	rt.Args = [][2]string{{"K", "v"}}
	if _, err := e.cni.Add(context.Background(), l, rt); err != nil {
		t.Fatal(err)
	}
	e.resetRecords()
	if err := e.cni.Check(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, e.calls(), "CHECK a", "CHECK b")
	for _, r := range e.records() {
		prev, _ := stdinOf(t, r)["prevResult"].(map[string]any)
		if prev == nil || len(prev["interfaces"].([]any)) != 2 {
			t.Errorf("CHECK %s prevResult must be the final cached result: %v", tagOf(r), prev)
		}
		if r.Args != "K=v" {
			t.Errorf("CHECK must use the ADD's parameters, CNI_ARGS %q", r.Args)
		}
	}
	// The recorder fails CHECK when its state is gone: tampering shows.
	os.Remove(e.stateDir + "/c1-eth0")
	err := e.cni.Check(context.Background(), l, rtFor("c1"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Code != 11 || ce.Verb != "CHECK" || ce.Plugin.Index != 0 {
		t.Fatalf("CHECK after tampering = %v", err)
	}
	if err := e.cni.Check(context.Background(), l, rtFor("c2")); !errors.Is(err, ErrNotAttached) || CodeOf(err) != 3 {
		t.Fatalf("CHECK of an unknown attachment = %v", err)
	}
	e.resetRecords()
	disabled := *l
	disabled.DisableCheck = true
	if err := e.cni.Check(context.Background(), &disabled, rtFor("c2")); err != nil {
		t.Fatalf("disableCheck: %v", err)
	}
	old := e.list("net1", "0.3.1", rec("a"))
	if err := e.cni.Check(context.Background(), old, rtFor("c1")); CodeOf(err) != 1 || !strings.Contains(err.Error(), "0.4.0") {
		t.Fatalf("CHECK at 0.3.1 = %v", err)
	}
	if calls := e.calls(); len(calls) != 0 {
		t.Fatalf("plugins ran: %v", calls)
	}
	e.cni.Del(context.Background(), l, rtFor("c1"))
}
