package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/internal/testbin"
)

// standIns are the programs the reference plugins run and cnictl's must
// not: each is replaced by a script that logs its name and fails.
var standIns = []string{
	"iptables", "ip6tables", "iptables-nft", "ip6tables-nft", "iptables-legacy", "ip6tables-legacy",
	"iptables-save", "iptables-restore", "ip6tables-save", "ip6tables-restore",
	"nft", "conntrack", "tc", "ip", "sysctl", "modprobe", "ethtool", "firewall-cmd",
}

// TestBundledPluginsRunNoPrograms runs the whole bundled chain — bridge
// with ipMasq, host-local, portmap with a published port, firewall on a
// host whose FORWARD policy drops, tuning, bandwidth, loopback — through
// ADD, CHECK, DEL and GC with every packet-filter and network tool on PATH
// replaced by a logging stand-in, and requires that none was run: rules
// go over netlink from the plugin's own process.
func TestBundledPluginsRunNoPrograms(t *testing.T) {
	e := newEnv(t)
	e.pluginPath = testbin.Bundled(t)
	fake := filepath.Join(e.work, "fakebin")
	log := filepath.Join(e.work, "exec.log")
	if err := os.MkdirAll(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range standIns {
		script := "#!/bin/sh\necho " + name + " \"$@\" >> " + log + "\nexit 1\n"
		if err := os.WriteFile(filepath.Join(fake, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	runTool(t, "iptables", "-P", "FORWARD", "DROP")
	t.Cleanup(func() { runTool(t, "iptables", "-P", "FORWARD", "ACCEPT") })
	e.mustRun("net", "create", "noexec", "--subnet", "10.120.0.0/24")
	e.networks = []string{"noexec"}
	e.bridges = []string{"cni-noexec"}
	e.start()
	e.cnictlNetns("noexec")

	path := "PATH=" + fake + ":" + os.Getenv("PATH")
	run := func(args ...string) {
		t.Helper()
		r := runProgram(append(cleanEnv(), path), e.cnictl, append(e.globalFlags(), args...)...)
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
	}
	run("add", "noexec", "noexec", "--publish", "18081:80/tcp",
		"--cap-args", `{"bandwidth":{"ingressRate":8000000,"ingressBurst":100000,"egressRate":8000000,"egressBurst":100000}}`)
	run("check", "noexec", "noexec")
	run("del", "noexec", "noexec")
	run("gc", "noexec")
	run("net", "rm", "noexec")

	data, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if ran := strings.TrimSpace(string(data)); ran != "" {
		t.Errorf("the bundled plugins ran programs:\n%s", ran)
	}
}
