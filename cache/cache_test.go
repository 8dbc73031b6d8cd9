package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	upstream "github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
)

const conflist = `{"cniVersion":"1.0.0","name":"net1","plugins":[{"type":"fake"}]}`

const resultJSON = `{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],"ips":[{"address":"10.1.0.5/24","gateway":"10.1.0.1","interface":0}],"dns":{}}`

// fakeExec stands at upstream's process boundary (invoke.Exec) and answers
// every plugin call with resultJSON, so upstream libcni writes a real cache
// entry without a plugin binary.
type fakeExec struct{ version.PluginDecoder }

func (fakeExec) ExecPlugin(_ context.Context, _ string, _ []byte, environ []string) ([]byte, error) {
	return []byte(resultJSON), nil
}
func (fakeExec) FindInPath(plugin string, _ []string) (string, error) { return "/fake/" + plugin, nil }

func sampleEntry(t *testing.T) *Entry {
	t.Helper()
	res, err := current.NewResult([]byte(resultJSON))
	if err != nil {
		t.Fatal(err)
	}
	e := &Entry{
		ContainerID:    "c1",
		Config:         []byte(conflist),
		IfName:         "eth0",
		NetworkName:    "net1",
		NetNS:          "/run/netns/x",
		CniArgs:        [][2]string{{"K8S_POD_NAME", "p"}},
		CapabilityArgs: map[string]any{"portMappings": []any{map[string]any{"hostPort": float64(8080), "containerPort": float64(80), "protocol": "tcp"}}},
	}
	if err := e.SetResult(res); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPutWritesUpstreamBytesAndPaths(t *testing.T) {
	dir := t.TempDir()
	list, err := upstream.ConfListFromBytes([]byte(conflist))
	if err != nil {
		t.Fatal(err)
	}
	rt := &upstream.RuntimeConf{ContainerID: "c1", NetNS: "/run/netns/x", IfName: "eth0",
		Args:           [][2]string{{"K8S_POD_NAME", "p"}},
		CapabilityArgs: map[string]any{"portMappings": []any{map[string]any{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}}}}
	up := upstream.NewCNIConfigWithCacheDir([]string{"/fake"}, dir, &fakeExec{})
	if _, err := up.AddNetworkList(context.Background(), list, rt); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "results", "net1-c1-eth0")
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("upstream did not write %s: %v", path, err)
	}

	s := New(dir)
	if got := s.Path(Key{"net1", "c1", "eth0"}); got != path {
		t.Fatalf("Path = %s, want upstream's %s", got, path)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(sampleEntry(t)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("cache bytes differ from upstream's:\n got %s\nwant %s", got, want)
	}
	assertMode(t, path, 0o600)
	assertMode(t, filepath.Dir(path), 0o700|os.ModeDir)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
	}
}

func TestUpstreamReadsWhatWeWrite(t *testing.T) {
	dir := t.TempDir()
	if err := New(dir).Put(sampleEntry(t)); err != nil {
		t.Fatal(err)
	}
	list, _ := upstream.ConfListFromBytes([]byte(conflist))
	up := upstream.NewCNIConfigWithCacheDir(nil, dir, &fakeExec{})
	rt := &upstream.RuntimeConf{ContainerID: "c1", IfName: "eth0"}
	res, err := up.GetNetworkListCachedResult(list, rt)
	if err != nil || res == nil {
		t.Fatalf("upstream could not read our result: %v", err)
	}
	r100, err := current.NewResultFromResult(res)
	if err != nil {
		t.Fatal(err)
	}
	if len(r100.IPs) != 1 || r100.IPs[0].Address.String() != "10.1.0.5/24" {
		t.Fatalf("upstream read IPs %v", r100.IPs)
	}
	_, cachedRT, err := up.GetNetworkListCachedConfig(list, rt)
	if err != nil || cachedRT == nil || cachedRT.Args[0][1] != "p" || cachedRT.CapabilityArgs["portMappings"] == nil {
		t.Fatalf("upstream could not read cached args: %v %+v", err, cachedRT)
	}
	atts, err := up.GetCachedAttachments("c1")
	if err != nil || len(atts) != 1 || atts[0].NetNS != "/run/netns/x" {
		t.Fatalf("upstream GetCachedAttachments = %+v, %v", atts, err)
	}
}

func TestPendingEntryWithoutResult(t *testing.T) {
	s := New(t.TempDir())
	e := sampleEntry(t)
	e.RawResult = nil
	if err := s.Put(e); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(s.Path(e.Key()))
	if strings.Contains(string(data), `"result"`) {
		t.Fatalf("pending entry must omit result: %s", data)
	}
	got, err := s.Get(e.Key())
	if err != nil {
		t.Fatal(err)
	}
	if got.Complete() {
		t.Fatal("pending entry reported complete")
	}
	if res, err := got.Result("1.0.0"); res != nil || err != nil {
		t.Fatalf("Result of pending entry = %v, %v", res, err)
	}
	// Upstream tolerates it: no cached result, no error.
	list, _ := upstream.ConfListFromBytes([]byte(conflist))
	up := upstream.NewCNIConfigWithCacheDir(nil, s.Dir(), &fakeExec{})
	if _, err := up.GetNetworkListCachedResult(list, &upstream.RuntimeConf{ContainerID: "c1", IfName: "eth0"}); err != nil {
		t.Fatalf("upstream failed on a pending entry: %v", err)
	}
}

func TestResultConvertsToConfigVersion(t *testing.T) {
	e := sampleEntry(t)
	res, err := e.Result("0.4.0")
	if err != nil {
		t.Fatal(err)
	}
	if res.Version() != "0.4.0" {
		t.Fatalf("version %s", res.Version())
	}
}

func TestCorruptEntriesAreReportedNotFatal(t *testing.T) {
	s := New(t.TempDir())
	good := sampleEntry(t)
	if err := s.Put(good); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(s.Dir(), "results")
	for name, content := range map[string]string{
		"net1-empty-eth0": "",
		"net1-junk-eth0":  "{not json",
		"net1-kind-eth0":  `{"kind":"other"}`,
	} {
		if err := os.WriteFile(filepath.Join(results, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A temporary file of an interrupted write is not an entry.
	if err := os.WriteFile(filepath.Join(results, tempPrefix+"net1-c9-eth0-123"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	entries, errs := s.List()
	if len(entries) != 1 || entries[0].ContainerID != "c1" {
		t.Fatalf("List entries = %v", entries)
	}
	if len(errs) != 3 {
		t.Fatalf("List errors = %v, want 3 corrupt entries", errs)
	}
	for _, err := range errs {
		var ce *CorruptError
		if !errors.As(err, &ce) || !strings.HasPrefix(ce.Path, results) {
			t.Errorf("error %v is not a CorruptError naming the file", err)
		}
	}
	_, err := s.Get(Key{"net1", "empty", "eth0"})
	var ce *CorruptError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "net1-empty-eth0") {
		t.Fatalf("Get of empty file = %v", err)
	}
	if _, err := s.Get(Key{"net1", "none", "eth0"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of missing entry = %v", err)
	}
	if err := s.Remove(Key{"net1", "empty", "eth0"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(Key{"net1", "empty", "eth0"}); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

// TestPutIsAtomic races writers of large entries against readers: a reader
// must never see a partial file.
func TestPutIsAtomic(t *testing.T) {
	s := New(t.TempDir())
	e := sampleEntry(t)
	e.CapabilityArgs = map[string]any{"big": strings.Repeat("x", 1<<20)}
	if err := s.Put(e); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var bad atomic.Int32
	stop := make(chan struct{})
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				if err := s.Put(e); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Get(e.Key()); err != nil {
				bad.Add(1)
			}
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d reads saw a partial or missing entry", bad.Load())
	}
	left, _ := filepath.Glob(filepath.Join(s.Dir(), "results", tempPrefix+"*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestAttachmentLockSerialisesAndLeavesNoFile(t *testing.T) {
	s := New(t.TempDir())
	k := Key{"net1", "c1", "eth0"}
	var inside, max atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := s.LockAttachment(context.Background(), k)
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			if n > max.Load() {
				max.Store(n)
			}
			time.Sleep(2 * time.Millisecond)
			inside.Add(-1)
			if err := l.Unlock(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if max.Load() != 1 {
		t.Fatalf("%d holders at once", max.Load())
	}
	left, _ := os.ReadDir(filepath.Join(s.Dir(), "locks", "attachments"))
	if len(left) != 0 {
		t.Fatalf("lock files left: %v", left)
	}
}

func TestNetworkLockSharedAndExclusive(t *testing.T) {
	s := New(t.TempDir())
	ctx := context.Background()
	a, err := s.LockNetwork(ctx, "net1", false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.LockNetwork(ctx, "net1", false)
	if err != nil {
		t.Fatalf("two shared holders must coexist: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := s.LockNetwork(short, "net1", true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("exclusive lock while shared held: %v", err)
	}
	if _, err := s.LockNetwork(ctx, "other", true); err != nil {
		t.Fatalf("another network must not be blocked: %v", err)
	}
	a.Unlock()
	b.Unlock()
	x, err := s.LockNetwork(ctx, "net1", true)
	if err != nil {
		t.Fatal(err)
	}
	short2, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := s.LockNetwork(short2, "net1", false); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shared lock while exclusive held: %v", err)
	}
	x.Unlock()
}

func TestSetResultRoundTrip(t *testing.T) {
	e := sampleEntry(t)
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back Entry
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	res, err := back.Result("")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.(*current.Result).IPs[0].Gateway) != "10.1.0.1" {
		t.Fatalf("result %v", res)
	}
	var _ types.Result = res
}
