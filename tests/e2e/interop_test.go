package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCnitoolInterop attaches with one tool and detaches with the other,
// both ways, with the real bridge chain: the cache entries, the
// derivation of the container ID from the netns path and the replayed
// prevResult must agree for the second tool to remove the veth, the
// host-local allocation and the cache entry.
func TestCnitoolInterop(t *testing.T) {
	e := newEnv(t)
	// cnitool always uses the default cache directory.
	e.cacheDir = "/var/lib/cni"
	e.bridgeNet("interop", "e2ebr1", "10.91.0.0/24")
	e.start()
	ns := ipNetns(t, "interop-x")
	id := cnitoolID(ns)
	entry := "interop-" + id + "-eth0"

	attached := func(t *testing.T, ip string) {
		t.Helper()
		if got := allocations(t, e.ipamDir, "interop"); !slices.Equal(got, []string{ip}) {
			t.Errorf("host-local holds %v, want [%s]", got, ip)
		}
		if got := cacheFiles(t, e.cacheDir); !slices.Equal(got, []string{entry}) {
			t.Errorf("cache holds %v, want [%s]", got, entry)
		}
		if got := hostVeths(t); len(got) != 1 {
			t.Errorf("host veths %v, want one", got)
		}
		if !linkInNetns(t, "interop-x", "eth0") {
			t.Errorf("no eth0 in the namespace")
		}
	}
	detached := func(t *testing.T) {
		t.Helper()
		if got := allocations(t, e.ipamDir, "interop"); len(got) != 0 {
			t.Errorf("host-local still holds %v", got)
		}
		if got := cacheFiles(t, e.cacheDir); len(got) != 0 {
			t.Errorf("cache still holds %v", got)
		}
		if got := hostVeths(t); len(got) != 0 {
			t.Errorf("host veths left: %v", got)
		}
		if linkInNetns(t, "interop-x", "eth0") {
			t.Errorf("eth0 is still in the namespace")
		}
	}

	t.Run("cnitool add, cnictl del", func(t *testing.T) {
		r := e.runCnitool("add", "interop", ns)
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
		ip := decode[cniResult](t, "cnitool's result", r.stdout).ip(t)
		attached(t, ip)

		l := e.ls()
		if len(l.Attachments) != 1 || len(l.Corrupt) != 0 {
			t.Fatalf("cnictl ls shows %+v, want cnitool's attachment only", l)
		}
		a := l.Attachments[0]
		if a.ContainerID != id || a.Network != "interop" || a.IfName != "eth0" || a.NetNS != ns || !a.Complete ||
			!slices.Equal(a.IPs, []string{ip + "/24"}) {
			t.Errorf("cnictl ls shows %+v, want container %s on interop/eth0 in %s with %s/24", a, id, ns, ip)
		}
		if r := e.run("check", "interop", "interop-x"); r.code != 0 {
			t.Errorf("cnictl check of cnitool's attachment: %s", r)
		}

		// By name: cnictl must derive the ID from /var/run/netns/<name>,
		// the path cnitool was given.
		e.mustRun("del", "interop", "interop-x")
		detached(t)
	})

	t.Run("cnictl add, cnitool del", func(t *testing.T) {
		r := e.mustRun("-o", "json", "add", "interop", ns)
		ip := decode[cniResult](t, "cnictl's result", r.stdout).ip(t)
		attached(t, ip)

		// Upstream's CHECK fails without a cached result it can read.
		if r := e.runCnitool("check", "interop", ns); r.code != 0 {
			t.Errorf("cnitool check of cnictl's attachment: %s", r)
		}
		if r := e.runCnitool("del", "interop", ns); r.code != 0 {
			t.Fatalf("%s", r)
		}
		detached(t)
	})
}

// TestNetnsInterop shows that cnictl and iproute2 see each other's named
// namespaces.
func TestNetnsInterop(t *testing.T) {
	e := newEnv(t)
	e.start()

	foo := ipNetns(t, "e2e-foo")
	type netnsList struct {
		Namespaces []struct {
			Name  string `json:"name"`
			Path  string `json:"path"`
			Inode uint64 `json:"inode"`
		} `json:"namespaces"`
	}
	l := decode[netnsList](t, "cnictl netns ls -o json", e.mustRun("-o", "json", "netns", "ls").stdout)
	found := false
	for _, n := range l.Namespaces {
		if n.Name == "e2e-foo" {
			found = true
			if n.Path != foo || n.Inode == 0 {
				t.Errorf("cnictl netns ls shows %+v, want path %s and the namespace's inode", n, foo)
			}
		}
	}
	if !found {
		t.Errorf("cnictl netns ls does not list e2e-foo made by ip netns add: %+v", l)
	}

	e.cnictlNetns("e2e-bar")
	if list := runTool(t, "ip", "netns", "list"); !hasNetns(list, "e2e-bar") {
		t.Errorf("ip netns list does not show e2e-bar made by cnictl:\n%s", list)
	}
	// iproute2 can enter it.
	if out := runTool(t, "ip", "netns", "exec", "e2e-bar", "ip", "-o", "link", "show", "lo"); !strings.Contains(out, "lo") {
		t.Errorf("ip netns exec e2e-bar: %s", out)
	}

	e.mustRun("netns", "del", "e2e-bar", "e2e-foo")
	list := runTool(t, "ip", "netns", "list")
	for _, name := range []string{"e2e-bar", "e2e-foo"} {
		if hasNetns(list, name) {
			t.Errorf("ip netns list still shows %s after cnictl netns del:\n%s", name, list)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(netnsDir, "e2e-*")); len(m) != 0 {
		t.Errorf("left in %s: %v", netnsDir, m)
	}
}

// hasNetns reports whether `ip netns list` output names name.
func hasNetns(list, name string) bool {
	for line := range strings.Lines(list) {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}
