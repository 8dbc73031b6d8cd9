package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cnictl/cnictl/cache"
)

// parallelAttachments is how many cnictl processes run at once.
const parallelAttachments = 50

// concurrentNetns makes n namespaces with cnictl netns add.
func (e *env) concurrentNetns(prefix string, n int) []string {
	e.t.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%02d", prefix, i)
		e.cnictlNetns(names[i])
	}
	return names
}

// parallel runs one cnictl process per namespace, all at once, with args
// followed by the namespace, and returns their outcomes in order.
func (e *env) parallel(names []string, args ...string) []outcome {
	outs := make([]outcome, len(names))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, n := range names {
		wg.Go(func() {
			<-start
			outs[i] = e.run(append(append([]string{}, args...), n)...)
		})
	}
	close(start)
	wg.Wait()
	return outs
}

// addAll attaches every namespace at once and returns the IP of each; the
// IPs must be distinct addresses of subnet.
func (e *env) addAll(network, subnet string, names []string) []string {
	e.t.Helper()
	_, cidr, err := net.ParseCIDR(subnet)
	if err != nil {
		e.t.Fatal(err)
	}
	ips := make([]string, len(names))
	seen := map[string]string{}
	for i, r := range e.parallel(names, "-o", "json", "add", network) {
		if r.code != 0 {
			e.t.Errorf("concurrent add %d: %s", i, r)
			continue
		}
		ip := decode[cniResult](e.t, "the ADD result", r.stdout).ip(e.t)
		if !cidr.Contains(net.ParseIP(ip)) {
			e.t.Errorf("%s got %s, outside %s", names[i], ip, subnet)
		}
		if other, dup := seen[ip]; dup {
			e.t.Errorf("%s and %s both got %s", other, names[i], ip)
		}
		seen[ip] = names[i]
		ips[i] = ip
	}
	if e.t.Failed() {
		e.t.FailNow()
	}
	return ips
}

// checkAttached checks that the cache holds one complete, readable entry
// per namespace with the IP its ADD returned, and nothing else.
func (e *env) checkAttached(network string, names, ips []string) {
	e.t.Helper()
	l := e.ls()
	if len(l.Corrupt) != 0 {
		e.t.Errorf("cnictl ls reports corrupt entries: %+v", l.Corrupt)
	}
	want := map[string]string{}
	for i, n := range names {
		want[cnitoolID(netnsDir+"/"+n)] = ips[i] + "/24"
	}
	for _, a := range l.Attachments {
		ip, ok := want[a.ContainerID]
		switch {
		case !ok:
			e.t.Errorf("unexpected attachment %+v", a)
		case a.Network != network || !a.Complete || len(a.IPs) != 1 || a.IPs[0] != ip:
			e.t.Errorf("attachment %+v, want a complete one on %s with %s", a, network, ip)
		}
		delete(want, a.ContainerID)
	}
	if len(want) != 0 {
		e.t.Errorf("cnictl ls shows %d attachments; %d are missing: %v", len(l.Attachments), len(want), want)
	}
	if got := allocations(e.t, e.ipamDir, network); len(got) != len(names) {
		e.t.Errorf("host-local holds %d addresses, want %d", len(got), len(names))
	}
	if got := hostVeths(e.t); len(got) != len(names) {
		e.t.Errorf("%d host veths, want %d", len(got), len(names))
	}
}

// delAll detaches every namespace at once and checks that nothing is left.
func (e *env) delAll(network string, names []string) {
	e.t.Helper()
	for i, r := range e.parallel(names, "del", network) {
		if r.code != 0 {
			e.t.Errorf("concurrent del %d: %s", i, r)
		}
	}
	if l := e.ls(); len(l.Attachments) != 0 || len(l.Corrupt) != 0 {
		e.t.Errorf("cnictl ls after deleting all: %+v", l)
	}
	if got := allocations(e.t, e.ipamDir, network); len(got) != 0 {
		e.t.Errorf("host-local still holds %v", got)
	}
	if got := hostVeths(e.t); len(got) != 0 {
		e.t.Errorf("veths left: %v", got)
	}
}

// TestConcurrentAddDel runs 50 cnictl add processes at once on one
// bridge network, then 50 cnictl del: every one succeeds, the addresses
// are distinct, the cache holds 50 complete entries, and nothing is left.
func TestConcurrentAddDel(t *testing.T) {
	e := newEnv(t)
	e.bridgeNet("crowd", "e2ebr3", "10.93.0.0/24")
	e.start()
	names := e.concurrentNetns("crowd", parallelAttachments)

	ips := e.addAll("crowd", "10.93.0.0/24", names)
	e.checkAttached("crowd", names, ips)
	e.delAll("crowd", names)
}

// TestGCRacingWithAdds runs cnictl gc of the network in a loop while 50
// cnictl add processes run: GC must neither break an ADD nor delete an
// attachment whose namespace exists, whenever the ADD finished.
func TestGCRacingWithAdds(t *testing.T) {
	e := newEnv(t)
	e.bridgeNet("gcrace", "e2ebr4", "10.94.0.0/24")
	e.start()
	names := e.concurrentNetns("gcrace", parallelAttachments)

	stop := make(chan struct{})
	done := make(chan struct{})
	first := make(chan struct{})
	var runs atomic.Int64
	var failures []outcome
	go func() {
		defer close(done)
		for {
			r := e.run("gc", "gcrace")
			if r.code != 0 {
				failures = append(failures, r)
			}
			if runs.Add(1) == 1 {
				close(first)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	stopLoop := sync.OnceFunc(func() {
		close(stop)
		<-done
	})
	defer stopLoop()
	// The loop is running before the first ADD starts.
	<-first
	before := runs.Load()
	ips := e.addAll("gcrace", "10.94.0.0/24", names)
	stopLoop()
	t.Logf("%d gc runs overlapped the adds", runs.Load()-before)
	for _, f := range failures {
		t.Errorf("gc failed: %s", f)
	}
	// One more, after every ADD: all namespaces exist, so all stay.
	e.mustRun("gc", "gcrace")

	e.checkAttached("gcrace", names, ips)
	e.delAll("gcrace", names)
}

// TestGCKeepsAttachmentAddedWhileWaiting is the deterministic form of the
// race above. An ADD in progress holds the network lock shared (the test
// holds it in its stead), so a gc waits for it. An attachment whose ADD
// completes while gc waits has a live namespace and must survive the gc.
func TestGCKeepsAttachmentAddedWhileWaiting(t *testing.T) {
	e := newEnv(t)
	rec := filepath.Join(e.work, "race.jsonl")
	state := filepath.Join(e.work, "state")
	e.writeConf("race", netList("race", "1.1.0", recorderConf(map[string]any{"recordFile": rec, "stateDir": state})))
	e.start(state)
	ns := e.cnictlNetns("race")
	id := cnitoolID(ns)

	held, err := cache.New(e.cacheDir).LockNetwork(context.Background(), "race", false)
	if err != nil {
		t.Fatal(err)
	}
	release := sync.OnceFunc(func() { held.Unlock() })
	defer release()

	gc := exec.Command(e.cnictl, append(e.globalFlags(), "gc", "race")...)
	gc.Env = cleanEnv()
	var gcOut, gcErr strings.Builder
	gc.Stdout, gc.Stderr = &gcOut, &gcErr
	if err := gc.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- gc.Wait() }()
	// gc opens the lock file once it has chosen the valid attachments;
	// then it waits for the lock.
	lockFile := filepath.Join(e.cacheDir, "locks", "networks.lock")
	waitFor(t, 10*time.Second, "gc to wait for the network lock", func() bool {
		return hasOpen(gc.Process.Pid, lockFile)
	})

	e.mustRun("add", "race", "race")
	release()
	if err := <-exited; err != nil {
		t.Fatalf("gc: %v\nstdout:\n%s\nstderr:\n%s", err, &gcOut, &gcErr)
	}

	if got := cacheFiles(t, e.cacheDir); !slices.Equal(got, []string{"race-" + id + "-eth0"}) {
		t.Errorf("cache holds %v after gc, want the live attachment race-%s-eth0", got, id)
	}
	if _, err := os.Stat(filepath.Join(state, id+"-eth0")); err != nil {
		t.Errorf("the plugin's state of the live attachment is gone: %v", err)
	}
	recs := records(t, rec)
	for _, r := range recs {
		if r.Command == "DEL" {
			t.Errorf("gc deleted the live attachment %s in %s", r.ContainerID, r.Netns)
		}
	}
	if last := recs[len(recs)-1]; last.Command != "GC" || !strings.Contains(string(last.Stdin), id) {
		t.Errorf("the last call is not a GC listing the live attachment as valid: %s %s", last.Command, last.Stdin)
	}
	e.run("del", "race", "race")
}

// hasOpen reports whether process pid has the file at path open.
func hasOpen(pid int, path string) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && target == path {
			return true
		}
	}
	return false
}
