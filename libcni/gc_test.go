package libcni

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containernetworking/cni/pkg/types"
)

func TestGCDeletesStaleThenSendsValidAttachments(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.1.0", rec("a"), rec("b"))
	otherState := t.TempDir()
	other := e.list("net2", "1.1.0", rec("x").with("stateDir", otherState))
	for _, id := range []string{"keep", "stale1", "stale2"} {
		if _, err := e.cni.Add(context.Background(), l, rtFor(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.cni.Add(context.Background(), other, rtFor("elsewhere")); err != nil {
		t.Fatal(err)
	}
	e.resetRecords()
	valid := []types.GCAttachment{{ContainerID: "keep", IfName: "eth0"}}
	if err := e.cni.GC(context.Background(), l, valid); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, e.calls(), "DEL b", "DEL a", "DEL b", "DEL a", "GC a", "GC b")
	for _, r := range e.records()[4:] {
		in := stdinOf(t, r)
		if fmt.Sprint(in["cni.dev/valid-attachments"]) != "[map[containerID:keep ifname:eth0]]" {
			t.Errorf("GC stdin valid attachments: %v", in["cni.dev/valid-attachments"])
		}
		if _, ok := in["runtimeConfig"]; ok || r.ContainerID != "" {
			t.Errorf("GC has no attachment parameters: %+v", r)
		}
	}
	entries, _ := e.cni.Cache().List()
	var left []string
	for _, en := range entries {
		left = append(left, en.Key().String())
	}
	if fmt.Sprint(left) != "[net1-keep-eth0 net2-elsewhere-eth0]" {
		t.Fatalf("entries after GC: %v", left)
	}
	if s := e.state(); fmt.Sprint(s) != "[keep-eth0]" {
		t.Fatalf("plugin state after GC: %v", s)
	}
}

func TestGCDisabledAndOldVersions(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.1.0", rec("a"))
	l.DisableGC = true
	if _, err := e.cni.Add(context.Background(), l, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	e.resetRecords()
	if err := e.cni.GC(context.Background(), l, nil); err != nil {
		t.Fatal(err)
	}
	if c := e.calls(); len(c) != 0 {
		t.Fatalf("disableGC ran %v", c)
	}
	// Before 1.1.0 there is no GC verb, but stale attachments still go.
	old := e.list("net1", "1.0.0", rec("a"))
	if err := e.cni.GC(context.Background(), old, nil); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, e.calls(), "DEL a")
}

func TestGCJoinsErrorsOfAllPlugins(t *testing.T) {
	e := newEnv(t)
	fail := func(msg string) map[string]any { return map[string]any{"GC": map[string]any{"code": 5, "msg": msg}} }
	l := e.list("net1", "1.1.0", rec("a").with("fail", fail("first broke")), rec("b"), rec("c").with("fail", fail("third broke")))
	err := e.cni.GC(context.Background(), l, nil)
	if err == nil || !strings.Contains(err.Error(), "first broke") || !strings.Contains(err.Error(), "third broke") {
		t.Fatalf("GC error %v should join both failures", err)
	}
	expectCalls(t, e.calls(), "GC a", "GC b", "GC c")
	var ce *Error
	if !errors.As(err, &ce) || ce.Verb != "GC" {
		t.Fatalf("joined errors must stay inspectable: %v", err)
	}
}

// TestGCExcludesAddOnItsNetwork starts a slow GC and an ADD on the same
// network: the ADD's plugin must run only after GC has finished.
func TestGCExcludesAddOnItsNetwork(t *testing.T) {
	e := newEnv(t)
	slow := e.list("net1", "1.1.0", rec("a").with("sleep", map[string]string{"GC": "400ms"}))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := e.cni.GC(context.Background(), slow, nil); err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, func() bool { return slices.Contains(e.calls(), "GC a") })
	if _, err := e.cni.Add(context.Background(), slow, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	rs := e.records()
	gc, add := rs[0], rs[1]
	if gc.Command != "GC" || add.Command != "ADD" {
		t.Fatalf("order %v", e.calls())
	}
	if add.Time.Sub(gc.Time) < 350*time.Millisecond {
		t.Fatalf("ADD ran %v after GC started, while GC was still running", add.Time.Sub(gc.Time))
	}
	e.cni.Del(context.Background(), slow, rtFor("c1"))
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStatus(t *testing.T) {
	e := newEnv(t)
	ok := e.list("net1", "1.1.0", rec("a"), rec("b"))
	if err := e.cni.Status(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, e.calls(), "STATUS a", "STATUS b")
	for code, msg := range map[uint]string{50: "no ips left", 51: "limited"} {
		e.resetRecords()
		l := e.list("net1", "1.1.0", rec("a"), rec("b").with("fail", map[string]any{"STATUS": map[string]any{"code": code, "msg": msg}}), rec("c"))
		err := e.cni.Status(context.Background(), l)
		var ce *Error
		if !errors.As(err, &ce) || ce.Code != code || ce.Msg != msg || ce.Plugin.Index != 1 || CodeOf(err) != code {
			t.Fatalf("STATUS error %v, want code %d", err, code)
		}
		expectCalls(t, e.calls(), "STATUS a", "STATUS b")
	}
	e.resetRecords()
	old := e.list("net1", "1.0.0", rec("a"))
	if err := e.cni.Status(context.Background(), old); err != nil || StatusSupported(old) {
		t.Fatalf("STATUS below 1.1.0: %v", err)
	}
	if c := e.calls(); len(c) != 0 {
		t.Fatalf("STATUS below 1.1.0 ran plugins: %v", c)
	}
}

func TestVersionAndValidate(t *testing.T) {
	e := newEnv(t)
	info, err := e.cni.VersionInfo(context.Background(), "recorder")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(info.SupportedVersions(), "1.1.0") || !slices.Contains(info.SupportedVersions(), "0.1.0") {
		t.Fatalf("versions %v", info.SupportedVersions())
	}
	if err := e.cni.Validate(context.Background(), e.list("net1", "1.1.0", rec("a"))); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RECORDER_SUPPORTED_VERSIONS", "0.3.1,0.4.0")
	err = e.cni.Validate(context.Background(), e.list("net1", "1.1.0", rec("a"), plugin{"type": "absent"}))
	if CodeOf(err) != 7 || !strings.Contains(err.Error(), "does not support cniVersion 1.1.0") || !strings.Contains(err.Error(), `type="absent"`) {
		t.Fatalf("Validate = %v", err)
	}
	if _, err := e.cni.VersionInfo(context.Background(), "../recorder"); err == nil {
		t.Fatal("a plugin type with a path must be refused")
	}
}
