package libcni

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnictl/cnictl/cache"
	"github.com/cnictl/cnictl/internal/testbin"
)

func TestHungPluginIsKilledWithItsGroup(t *testing.T) {
	e := newEnv(t, WithPluginTimeout(300*time.Millisecond))
	l := e.list("net1", "1.0.0", rec("a"),
		rec("hang").with("sleep", map[string]string{"ADD": "60s"}).with("spawnChild", true).with("stderr", "stuck waiting for the agent"))
	start := time.Now()
	_, err := e.cni.Add(context.Background(), l, rtFor("c1"))
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("ADD took %v despite the timeout", d)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Timeout != 300*time.Millisecond || ce.Plugin.Index != 1 || ce.Verb != "ADD" || !ce.RolledBack {
		t.Fatalf("error %+v", err)
	}
	msg := err.Error()
	for _, want := range []string{`plugin #1 type="recorder"`, "timed out after 300ms", "ADD", "stuck waiting for the agent"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	var child int
	for _, r := range e.records() {
		if r.ChildPid != 0 {
			child = r.ChildPid
		}
	}
	if child == 0 {
		t.Fatal("the hanging plugin recorded no child")
	}
	waitFor(t, func() bool { return !alive(child) })
	expectCalls(t, e.calls(), "ADD a", "ADD hang", "DEL hang", "DEL a")
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(data))
	return len(fields) > 2 && fields[2] != "Z"
}

func TestCancelledContextKillsPluginAndStillRollsBack(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0", rec("a"), rec("hang").with("sleep", map[string]string{"ADD": "60s"}))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitFor(t, func() bool { return len(e.records()) == 2 })
		cancel()
	}()
	_, err := e.cni.Add(ctx, l, rtFor("c1"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v should wrap context.Canceled", err)
	}
	expectCalls(t, e.calls(), "ADD a", "ADD hang", "DEL hang", "DEL a")
	if f := e.cacheFiles(); len(f) != 0 {
		t.Fatalf("cache files left: %v", f)
	}
}

const envCrashChild = "LIBCNI_TEST_CRASH_CHILD"

// runCrashChild runs one ADD described by the environment and exits; the
// crash test kills it in the middle with SIGKILL.
func runCrashChild() bool {
	spec := os.Getenv(envCrashChild)
	if spec == "" {
		return false
	}
	var args struct {
		PluginDir, CacheDir, ContainerID string
		Conf                             []byte
	}
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		panic(err)
	}
	l, err := ConfListFromBytes(args.Conf)
	if err != nil {
		panic(err)
	}
	c := New(WithPluginDirs(args.PluginDir), WithCacheDir(args.CacheDir))
	_, _ = c.Add(context.Background(), l, rtFor(args.ContainerID))
	os.Exit(0)
	return true
}

func TestCrashDuringAddLeavesARecordThatDelAndAddClean(t *testing.T) {
	e := newEnv(t)
	l := e.list("net1", "1.0.0", rec("a"), rec("hang").with("sleep", map[string]string{"ADD": "60s"}))
	spec, _ := json.Marshal(map[string]any{"PluginDir": testbin.Recorder(t), "CacheDir": e.cacheDir, "ContainerID": "c1", "Conf": l.Bytes})
	self, _ := os.Executable()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), envCrashChild+"="+string(spec))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(e.records()) == 2 })
	// SIGKILL the runtime, then its plugin (in a process group of its
	// own): nothing gets to clean up.
	syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	syscall.Kill(e.records()[1].Pid, syscall.SIGKILL)

	key := cache.Key{Network: "net1", ContainerID: "c1", IfName: "eth0"}
	entry, err := e.cni.Cache().Get(key)
	if err != nil || entry.Complete() || entry.NetNS != "/run/netns/c1" {
		t.Fatalf("the interrupted ADD must leave a pending record: %+v %v", entry, err)
	}
	if s := e.state(); len(s) == 0 {
		t.Fatal("the first plugin's state should be left by the crash")
	}
	// A new ADD of the same attachment cleans up the partial one first.
	fixed := e.list("net1", "1.0.0", rec("a"), rec("hang"))
	e.resetRecords()
	if _, err := e.cni.Add(context.Background(), fixed, rtFor("c1")); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, e.calls(), "DEL hang", "DEL a", "ADD a", "ADD hang")
	// And the entry is found by GC, which removes everything.
	if err := e.cni.GC(context.Background(), fixed, nil); err != nil {
		t.Fatal(err)
	}
	if s := e.state(); len(s) != 0 {
		t.Fatalf("state left: %v", s)
	}
	if f := e.cacheFiles(); len(f) != 0 {
		t.Fatalf("cache files left: %v", f)
	}
}
