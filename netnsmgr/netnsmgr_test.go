//go:build linux

package netnsmgr_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/netnsmgr"
)

func TestMain(m *testing.M) { hermetic.Main(m) }

// setup makes t hermetic and leak-checked and returns a Manager of the
// default directory, which is private to the hermetic namespaces.
func setup(t *testing.T) *netnsmgr.Manager {
	t.Helper()
	hermetic.Require(t)
	hermetic.CheckLeaks(t)
	return netnsmgr.New("")
}

func TestCreateDelete(t *testing.T) {
	m := setup(t)
	hostIno := threadNetns(t)

	path, err := m.Create("t1")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(netnsmgr.DefaultDir, "t1"); path != want {
		t.Fatalf("Create returned %q, want %q", path, want)
	}
	if !m.Exists("t1") {
		t.Fatal("Exists(t1) = false after Create")
	}
	if !slices.Contains(ipNetnsList(t), "t1") {
		t.Fatalf("ip netns list does not show t1: %v", ipNetnsList(t))
	}
	if ino := inodeOf(t, path); ino == hostIno {
		t.Fatalf("netns t1 has the inode %d of the current netns", ino)
	}
	err = netnsmgr.Do(path, func() error {
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return err
		}
		if lo.Attrs().Flags&net.FlagUp == 0 {
			return fmt.Errorf("lo is down: flags %v", lo.Attrs().Flags)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("checking lo inside t1: %v", err)
	}
	dir := realDir(t)
	if opts, ok := mountinfo(t)[dir]; !ok || !strings.Contains(opts, "shared:") {
		t.Fatalf("%s is not a shared mount point (found %v, optional fields %q)", dir, ok, opts)
	}
	if _, ok := mountinfo(t)[filepath.Join(dir, "t1")]; !ok {
		t.Fatal("no mount for t1 in /proc/self/mountinfo")
	}

	if err := m.Delete("t1"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ipNetnsList(t), "t1") {
		t.Fatal("ip netns list still shows t1 after Delete")
	}
	if _, ok := mountinfo(t)[filepath.Join(dir, "t1")]; ok {
		t.Fatal("t1 is still mounted after Delete")
	}
	if m.Exists("t1") {
		t.Fatal("Exists(t1) = true after Delete")
	}
	if err := m.Delete("t1"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

func TestCreateLeavesThreadsInPlace(t *testing.T) {
	m := setup(t)
	hostIno := threadNetns(t)
	for i := range 50 {
		name := fmt.Sprintf("cycle%d", i)
		if _, err := m.Create(name); err != nil {
			t.Fatal(err)
		}
		if err := m.Delete(name); err != nil {
			t.Fatal(err)
		}
	}
	requireThreadsIn(t, hostIno)
}

func TestIproute2MadeNetns(t *testing.T) {
	m := setup(t)
	run(t, "ip", "netns", "add", "foo")
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "delete", "foo").Run() })

	list, err := m.List()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(netnsmgr.DefaultDir, "foo")
	if len(list) != 1 || list[0].Name != "foo" || list[0].Path != want || list[0].Inode == 0 {
		t.Fatalf("List = %+v, want only foo at %s with its inode", list, want)
	}
	path, err := m.Resolve("foo")
	if err != nil {
		t.Fatal(err)
	}
	if path != want {
		t.Fatalf("Resolve(foo) = %q, want %q", path, want)
	}
	var out bytes.Buffer
	cmd := exec.Command("readlink", "/proc/self/ns/net")
	cmd.Stdout = &out
	if err := m.Run(context.Background(), "foo", cmd); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out.String()), fmt.Sprintf("net:[%d]", list[0].Inode); got != want {
		t.Fatalf("Run in foo sees netns %s, List says %s", got, want)
	}

	if err := m.Delete("foo"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ipNetnsList(t), "foo") {
		t.Fatal("ip netns list still shows foo after Delete")
	}
	if _, ok := mountinfo(t)[filepath.Join(realDir(t), "foo")]; ok {
		t.Fatal("foo is still mounted after Delete")
	}
}

func TestIproute2UsesOurNetns(t *testing.T) {
	m := setup(t)
	path, err := m.Create("ours")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Delete("ours") })

	out := run(t, "ip", "netns", "exec", "ours", "ip", "-o", "link")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], " lo: ") || !strings.Contains(lines[0], "UP") {
		t.Fatalf("ip netns exec ours ip -o link: want only lo, up; got:\n%s", out)
	}
	if err := m.Delete(path); err != nil {
		t.Fatalf("Delete by path: %v", err)
	}
	if slices.Contains(ipNetnsList(t), "ours") {
		t.Fatal("ip netns list still shows ours after Delete by path")
	}
}

func TestCreateErrors(t *testing.T) {
	m := setup(t)
	path, err := m.Create("dup")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Delete("dup") })
	ino := inodeOf(t, path)

	if _, err := m.Create("dup"); !errors.Is(err, netnsmgr.ErrExists) {
		t.Fatalf("second Create(dup) = %v, want ErrExists", err)
	}
	if got := inodeOf(t, path); got != ino {
		t.Fatalf("failed Create changed dup: inode %d, was %d", got, ino)
	}
	if _, err := m.Resolve("dup"); err != nil {
		t.Fatalf("dup is unusable after a failed Create: %v", err)
	}

	before := dirEntries(t)
	for _, name := range []string{"", "a/b", "..", ".", strings.Repeat("x", 256)} {
		if _, err := m.Create(name); !errors.Is(err, netnsmgr.ErrInvalidName) {
			t.Errorf("Create(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	if after := dirEntries(t); !slices.Equal(before, after) {
		t.Fatalf("bad names changed %s: %v, was %v", netnsmgr.DefaultDir, after, before)
	}
	if _, err := m.Create(strings.Repeat("x", 255)); err != nil {
		t.Fatalf("Create of a 255-byte name: %v", err)
	}
	if err := m.Delete(strings.Repeat("x", 255)); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	m := setup(t)
	if _, err := m.Create("runner"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Delete("runner") })
	ctx := context.Background()

	var out bytes.Buffer
	cmd := exec.Command("ip", "-o", "link")
	cmd.Stdout = &out
	if err := m.Run(ctx, "runner", cmd); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], " lo: ") {
		t.Fatalf("ip -o link in runner: want only lo, got:\n%s", out.String())
	}

	err := m.Run(ctx, "runner", exec.Command("sh", "-c", "exit 7"))
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 7 {
		t.Fatalf("Run(sh -c 'exit 7') = %v, want an *exec.ExitError with code 7", err)
	}

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = m.Run(short, "runner", exec.Command("sleep", "30"))
	if !errors.As(err, &exitErr) || time.Since(start) > 10*time.Second {
		t.Fatalf("Run(sleep 30) with a 100ms context = %v after %v, want it killed", err, time.Since(start))
	}

	err = m.Run(ctx, "nope", exec.Command("true"))
	if err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("Run in a missing netns = %v, want an error naming it", err)
	}
}

func TestRunKeepsThreadsInPlace(t *testing.T) {
	m := setup(t)
	path, err := m.Create("threads")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Delete("threads") })
	hostIno := threadNetns(t)
	want := fmt.Sprintf("net:[%d]", inodeOf(t, path))

	var wg sync.WaitGroup
	for g := range 5 {
		wg.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for i := range 20 {
				before := inodeOf(t, "/proc/thread-self/ns/net")
				var out bytes.Buffer
				cmd := exec.Command("readlink", "/proc/self/ns/net")
				cmd.Stdout = &out
				if err := m.Run(context.Background(), path, cmd); err != nil {
					t.Errorf("goroutine %d run %d: %v", g, i, err)
					return
				}
				if got := strings.TrimSpace(out.String()); got != want {
					t.Errorf("goroutine %d run %d: command ran in %s, want %s", g, i, got, want)
				}
				if after := inodeOf(t, "/proc/thread-self/ns/net"); after != before || after != hostIno {
					t.Errorf("goroutine %d run %d: calling thread moved from netns %d to %d", g, i, before, after)
				}
			}
		})
	}
	wg.Wait()
	requireThreadsIn(t, hostIno)
}

func TestEphemeral(t *testing.T) {
	m := setup(t)
	e, err := m.NewEphemeral("eph")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !regexp.MustCompile(`^eph-[0-9a-f]{8}$`).MatchString(e.Name) {
		t.Fatalf("ephemeral name %q is not eph-<8 hex digits>", e.Name)
	}
	if e.Path != filepath.Join(netnsmgr.DefaultDir, e.Name) {
		t.Fatalf("ephemeral path %q does not match its name %q", e.Path, e.Name)
	}
	if _, err := m.Resolve(e.Path); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ipNetnsList(t), e.Name) {
		t.Fatalf("ip netns list does not show %s", e.Name)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if m.Exists(e.Name) {
		t.Fatalf("%s still exists after Close", e.Name)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	before := dirEntries(t)
	if _, err := m.NewEphemeral("bad/prefix"); !errors.Is(err, netnsmgr.ErrInvalidName) {
		t.Fatalf("NewEphemeral(bad/prefix) = %v, want ErrInvalidName", err)
	}
	if after := dirEntries(t); !slices.Equal(before, after) {
		t.Fatalf("failed NewEphemeral left %v, was %v", after, before)
	}
}

func TestResolve(t *testing.T) {
	m := setup(t)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, "/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Resolve(rel); err != nil || got != "/proc/self/ns/net" {
		t.Fatalf("Resolve(%q) = %q, %v; want /proc/self/ns/net", rel, got, err)
	}

	stale := filepath.Join(netnsmgr.DefaultDir, "stale")
	if err := os.WriteFile(stale, nil, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(stale) })

	for _, tc := range []struct {
		arg      string
		mentions []string
		notExist bool
	}{
		{"missing", []string{`"missing"`, netnsmgr.DefaultDir}, true},
		{"/etc/passwd", []string{`"/etc/passwd"`, "not a network namespace"}, false},
		{"/proc/self/ns/mnt", []string{`"/proc/self/ns/mnt"`, "not a network namespace"}, false},
		{"/nonexistent/netns", []string{`"/nonexistent/netns"`}, true},
		{"stale", []string{`"stale"`, netnsmgr.DefaultDir, "not a network namespace"}, false},
	} {
		_, err := m.Resolve(tc.arg)
		if err == nil {
			t.Errorf("Resolve(%q) succeeded", tc.arg)
			continue
		}
		for _, s := range tc.mentions {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("Resolve(%q) error %q does not mention %s", tc.arg, err, s)
			}
		}
		if errors.Is(err, fs.ErrNotExist) != tc.notExist {
			t.Errorf("Resolve(%q) error %q: errors.Is(fs.ErrNotExist) = %v, want %v", tc.arg, err, !tc.notExist, tc.notExist)
		}
	}
}

func TestListMissingDir(t *testing.T) {
	hermetic.Require(t)
	m := netnsmgr.New(filepath.Join(t.TempDir(), "missing"))
	list, err := m.List()
	if err != nil || len(list) != 0 {
		t.Fatalf("List of a missing dir = %v, %v; want empty, nil", list, err)
	}
	if err := m.Delete("x"); err != nil {
		t.Fatalf("Delete in a missing dir = %v, want nil", err)
	}
}

// run runs a command and returns its output, failing t if it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ipNetnsList returns the names that `ip netns list` shows.
func ipNetnsList(t *testing.T) []string {
	t.Helper()
	var names []string
	for line := range strings.Lines(run(t, "ip", "netns", "list")) {
		if fields := strings.Fields(line); len(fields) > 0 {
			names = append(names, fields[0])
		}
	}
	return names
}

// inodeOf returns the inode that path (following links) refers to.
func inodeOf(t testing.TB, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return st.Ino
}

// threadNetns returns the inode of the network namespace of the calling
// goroutine's thread.
func threadNetns(t *testing.T) uint64 {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return inodeOf(t, "/proc/thread-self/ns/net")
}

// realDir returns DefaultDir with symbolic links resolved, as the kernel
// shows it in /proc/self/mountinfo.
func realDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(netnsmgr.DefaultDir)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// dirEntries returns the names in DefaultDir.
func dirEntries(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(netnsmgr.DefaultDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// mountinfo maps every mount point of /proc/self/mountinfo to the optional
// fields (such as "shared:N") of its last mount.
func mountinfo(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mounts := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if len(fields) < 7 || sep < 6 {
			t.Fatalf("malformed mountinfo line %q", sc.Text())
		}
		mounts[fields[4]] = strings.Join(fields[6:sep], " ")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return mounts
}

// requireThreadsIn fails t unless every thread of the process, the main
// thread included, is in the network namespace with inode want. Threads
// that are exiting get a few seconds to go away.
func requireThreadsIn(t *testing.T, want uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var stray []string
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			var st unix.Stat_t
			err := unix.Stat(filepath.Join("/proc/self/task", task.Name(), "ns/net"), &st)
			if err == nil && st.Ino != want {
				stray = append(stray, task.Name())
			}
		}
		if len(stray) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("threads %v are not in the netns %d", stray, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
