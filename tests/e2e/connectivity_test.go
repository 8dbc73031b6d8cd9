package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBridgeConnectivity attaches two namespaces to a real bridge network
// through the CLI: they reach each other, CHECK passes, CHECK fails with
// the verb in its JSON error once the container's interface is gone, and
// DEL takes everything down.
func TestBridgeConnectivity(t *testing.T) {
	e := newEnv(t)
	e.bridgeNet("connect", "e2ebr2", "10.92.0.0/24")
	e.start()

	names := []string{"conn-a", "conn-b"}
	ips := map[string]string{}
	for _, n := range names {
		e.cnictlNetns(n)
		r := e.mustRun("-o", "json", "add", "connect", n)
		ips[n] = decode[cniResult](t, "the ADD result", r.stdout).ip(t)
	}
	if ips["conn-a"] == ips["conn-b"] {
		t.Fatalf("both namespaces got %s", ips["conn-a"])
	}
	for _, from := range names {
		for _, to := range names {
			if from == to {
				continue
			}
			if r := e.run("netns", "exec", from, "--", "ping", "-c1", "-W2", ips[to]); r.code != 0 {
				t.Errorf("ping from %s to %s (%s): %s", from, to, ips[to], r)
			}
		}
	}
	for _, n := range names {
		if r := e.run("check", "connect", n); r.code != 0 {
			t.Errorf("check of an intact attachment: %s", r)
		}
	}

	runTool(t, "ip", "-n", "conn-a", "link", "del", "eth0")
	r := e.run("-o", "json", "check", "connect", "conn-a")
	// 6: a plugin failed.
	if r.code != 6 {
		t.Fatalf("check with the container's eth0 deleted: want exit code 6: %s", r)
	}
	doc := decode[errorDoc](t, "the CHECK error", r.stdout)
	if doc.Error.Verb != "CHECK" || doc.ExitCode == nil || *doc.ExitCode != r.code || doc.Error.Network != "connect" {
		t.Errorf("CHECK error %+v with exit code %d, want verb CHECK, network connect and the exit code", doc, r.code)
	}
	if r := e.run("check", "connect", "conn-b"); r.code != 0 {
		t.Errorf("check of the untouched attachment: %s", r)
	}

	for _, n := range names {
		e.mustRun("del", "connect", n)
	}
	if got := allocations(t, e.ipamDir, "connect"); len(got) != 0 {
		t.Errorf("host-local still holds %v", got)
	}
	if got := cacheFiles(t, e.cacheDir); len(got) != 0 {
		t.Errorf("cache still holds %v", got)
	}
	if got := hostVeths(t); len(got) != 0 {
		t.Errorf("veths left: %v", got)
	}
}

// TestRunCleansUp runs a command attached to the real bridge network: it
// sees its address, cnictl exits with its exit code, and the namespace,
// the veth, the allocation and the cache entry are gone afterwards.
func TestRunCleansUp(t *testing.T) {
	e := newEnv(t)
	e.bridgeNet("runnet", "e2ebr8", "10.98.0.0/24")
	e.start()

	r := e.run("run", "--net", "runnet", "--", "sh", "-c", "ip -o addr show eth0 && exit 3")
	if r.code != 3 {
		t.Fatalf("want the command's exit code 3: %s", r)
	}
	if !regexp.MustCompile(`inet 10\.98\.0\.\d+/24`).MatchString(r.stdout) {
		t.Errorf("the command does not show an address of the network on eth0: %s", r)
	}
	if left, _ := filepath.Glob(filepath.Join(netnsDir, "cnictl-run-*")); len(left) != 0 {
		t.Errorf("run left its netns: %v", left)
	}
	if got := hostVeths(t); len(got) != 0 {
		t.Errorf("veths left: %v", got)
	}
	if got := allocations(t, e.ipamDir, "runnet"); len(got) != 0 {
		t.Errorf("host-local still holds %v", got)
	}
	if got := cacheFiles(t, e.cacheDir); len(got) != 0 {
		t.Errorf("cache still holds %v", got)
	}
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("run warned: %s", r.stderr)
	}
}
