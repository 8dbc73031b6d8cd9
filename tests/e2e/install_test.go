package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/hermetic"
)

// bundledTypes are the plugin types `make install` must provide.
var bundledTypes = []string{"bandwidth", "bridge", "firewall", "host-local", "loopback", "macvlan", "portmap", "ptp", "static", "tuning"}

// TestMakeInstall installs into a DESTDIR as a packager would and checks
// the layout, that the installed cnictl finds the bundled plugins with no
// flag or variable, that the built-in network works with nothing else
// installed and leaves nothing after del and gc, and that install-cni-bin
// and uninstall keep other software's plugins.
func TestMakeInstall(t *testing.T) {
	hermetic.Require(t)
	dest := t.TempDir()
	runMake(t, "install", "DESTDIR="+dest, "PREFIX=/usr", "OUT="+filepath.Join(t.TempDir(), "out"))
	cnictl := filepath.Join(dest, "usr/bin/cnictl")
	pluginDir := filepath.Join(dest, "usr/lib/cnictl/plugins")
	multicall := filepath.Join(dest, "usr/lib/cnictl/cnictl-plugins")

	t.Run("layout", func(t *testing.T) {
		want := inode(t, multicall)
		for _, typ := range bundledTypes {
			if got := inode(t, filepath.Join(pluginDir, typ)); got != want {
				t.Errorf("%s/%s is not a hard link of %s", pluginDir, typ, multicall)
			}
		}
		for _, f := range []string{"share/bash-completion/completions/cnictl", "share/zsh/site-functions/_cnictl", "share/fish/vendor_completions.d/cnictl.fish"} {
			data, err := os.ReadFile(filepath.Join(dest, "usr", f))
			if err != nil || !strings.Contains(string(data), "__complete") {
				t.Errorf("completion %s does not call cnictl __complete: %v", f, err)
			}
		}
		// The bash script must at least parse.
		if r := runProgram(cleanEnv(), "bash", "-n", filepath.Join(dest, "usr/share/bash-completion/completions/cnictl")); r.code != 0 {
			t.Errorf("bash completion does not parse: %s", r)
		}
	})

	t.Run("plugins found by default", func(t *testing.T) {
		r := runProgram(cleanEnv(), cnictl, "-o", "json", "plugins")
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
		list := decode[struct {
			Dirs    []string `json:"dirs"`
			Plugins []struct {
				Name, Path        string
				SupportedVersions []string `json:"supportedVersions"`
			} `json:"plugins"`
		}](t, "cnictl plugins", r.stdout)
		if len(list.Dirs) == 0 || list.Dirs[0] != pluginDir {
			t.Errorf("plugin dirs %v, want %s first", list.Dirs, pluginDir)
		}
		var names []string
		for _, p := range list.Plugins {
			if filepath.Dir(p.Path) == pluginDir && slices.Contains(p.SupportedVersions, "1.1.0") {
				names = append(names, p.Name)
			}
		}
		if !slices.Equal(names, bundledTypes) {
			t.Errorf("bundled plugins answering VERSION with 1.1.0: %v, want %v", names, bundledTypes)
		}
	})

	t.Run("built-in network", func(t *testing.T) {
		builtinNetworkLeavesNothing(t, cnictl)
	})

	t.Run("reference-style configuration in /etc/cni/net.d", func(t *testing.T) {
		referenceConfWorksUnchanged(t, cnictl)
	})

	t.Run("install-cni-bin keeps other plugins", func(t *testing.T) {
		cniBin := filepath.Join(dest, "opt/cni/bin")
		if err := os.MkdirAll(cniBin, 0o755); err != nil {
			t.Fatal(err)
		}
		theirs := filepath.Join(cniBin, "bridge")
		if err := os.WriteFile(theirs, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		vars := []string{"DESTDIR=" + dest, "PREFIX=/usr", "OUT=" + filepath.Join(t.TempDir(), "out")}
		runMake(t, append([]string{"install-cni-bin"}, vars...)...)
		if data, _ := os.ReadFile(theirs); string(data) != "#!/bin/sh\n" {
			t.Errorf("install-cni-bin replaced %s", theirs)
		}
		if target, err := os.Readlink(filepath.Join(cniBin, "portmap")); err != nil || target != "/usr/lib/cnictl/cnictl-plugins" {
			t.Errorf("%s/portmap: link to %q, %v", cniBin, target, err)
		}
		runMake(t, append([]string{"install-cni-bin", "FORCE=1"}, vars...)...)
		if target, err := os.Readlink(theirs); err != nil || target != "/usr/lib/cnictl/cnictl-plugins" {
			t.Errorf("FORCE=1: %s links to %q, %v", theirs, target, err)
		}
		if err := os.Remove(theirs); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(theirs, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		runMake(t, append([]string{"uninstall"}, vars...)...)
		var left []string
		filepath.Walk(dest, func(path string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() && path != theirs {
				left = append(left, path)
			}
			return nil
		})
		if len(left) > 0 {
			t.Errorf("uninstall left %v", left)
		}
		if _, err := os.Stat(theirs); err != nil {
			t.Errorf("uninstall removed a plugin it did not install: %v", err)
		}
	})
}

// builtinNetworkLeavesNothing attaches a namespace to the built-in network
// with an empty configuration directory, publishes a port, and checks that
// del and gc remove the bridge, the nftables tables and every allocation.
func builtinNetworkLeavesNothing(t *testing.T, cnictl string) {
	hermetic.CheckLeaks(t)
	work := t.TempDir()
	global := []string{"--conf-dir", filepath.Join(work, "net.d"), "--cache-dir", filepath.Join(work, "cache")}
	run := func(args ...string) outcome {
		t.Helper()
		r := runProgram(cleanEnv(), cnictl, append(global, args...)...)
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
		return r
	}
	ls := run("-o", "json", "net", "ls")
	if !strings.Contains(ls.stdout, `"built-in"`) {
		t.Errorf("cnictl net ls does not show the built-in network:\n%s", ls.stdout)
	}
	run("netns", "add", "builtin")
	add := decode[cniResult](t, "the ADD result", run("-o", "json", "add", "cnictl", "builtin", "--publish", "18080:80/tcp").stdout)
	if ip := add.ip(t); !strings.HasPrefix(ip, "10.89.") {
		t.Errorf("built-in network address %s, want one of 10.89.0.0/16 (the first candidate)", ip)
	}
	if !slices.Contains(cnictlTables(t), "cnictl-portmap") {
		t.Errorf("no cnictl-portmap table after publishing a port: %v", cnictlTables(t))
	}
	run("check", "cnictl", "builtin")
	run("del", "cnictl", "builtin")
	run("netns", "del", "builtin")
	gc := run("gc")
	if !strings.Contains(gc.stderr, "removed bridge cnictl0") {
		t.Errorf("cnictl gc did not say it removed the idle bridge:\n%s", gc)
	}
	if _, err := netlink.LinkByName("cnictl0"); err == nil {
		t.Error("bridge cnictl0 left after del and gc")
	}
	if tables := cnictlTables(t); len(tables) > 0 {
		t.Errorf("nftables tables left after del and gc: %v", tables)
	}
	allocs, _ := filepath.Glob("/var/lib/cni/networks/cnictl/[0-9]*")
	if len(allocs) > 0 {
		t.Errorf("allocations left: %v", allocs)
	}
	entries, _ := filepath.Glob(filepath.Join(work, "cache/results/*"))
	if len(entries) > 0 {
		t.Errorf("cache entries left: %v", entries)
	}
}

// userConf is a configuration written for the reference plugins, as the
// issue tracker and the reference's documentation show it: a single .conf
// at cniVersion 0.3.1 with bridge, ipMasq and host-local with a default
// route.
const userConf = `{
  "cniVersion": "0.3.1",
  "name": "mynet",
  "type": "bridge",
  "bridge": "cni0",
  "isGateway": true,
  "ipMasq": true,
  "ipam": {"type": "host-local", "subnet": "10.22.0.0/16", "routes": [{"dst": "0.0.0.0/0"}]}
}
`

// referenceConfWorksUnchanged puts userConf in the default configuration
// directory and runs the installed cnictl with no flag: the bundled plugins
// attach a namespace that reaches its gateway, and del and net rm leave
// nothing.
func referenceConfWorksUnchanged(t *testing.T, cnictl string) {
	hermetic.CheckLeaks(t)
	conf := filepath.Join(defaultConfDir, "10-mynet.conf")
	if err := os.MkdirAll(defaultConfDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte(userConf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(conf) })
	run := func(args ...string) outcome {
		t.Helper()
		r := runProgram(cleanEnv(), cnictl, args...)
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
		return r
	}
	run("netns", "add", "user")
	t.Cleanup(func() {
		runProgram(cleanEnv(), cnictl, "del", "mynet", "user")
		runProgram(cleanEnv(), cnictl, "netns", "del", "user")
		if l, err := netlink.LinkByName("cni0"); err == nil {
			netlink.LinkDel(l)
		}
	})
	res := decode[cniResult](t, "the ADD result", run("-o", "json", "add", "mynet", "user").stdout)
	if ip := res.ip(t); !strings.HasPrefix(ip, "10.22.") {
		t.Errorf("address %s, want one of 10.22.0.0/16", ip)
	}
	run("netns", "exec", "user", "--", "ping", "-c1", "-W2", "10.22.0.1")
	run("del", "mynet", "user")
	run("netns", "del", "user")
	run("net", "rm", "mynet")
	if _, err := os.Stat(conf); !os.IsNotExist(err) {
		t.Errorf("net rm kept %s: %v", conf, err)
	}
	if allocs, _ := filepath.Glob(filepath.Join(defaultIPAMDir, "mynet", "10.*")); len(allocs) > 0 {
		t.Errorf("allocations left: %v", allocs)
	}
}

// cnictlTables lists the nftables tables whose name starts with cnictl.
func cnictlTables(t *testing.T) []string {
	t.Helper()
	conn, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := conn.ListTables()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range tables {
		if strings.HasPrefix(tb.Name, "cnictl") {
			names = append(names, tb.Name)
		}
	}
	return names
}

// runMake runs a target of the project's Makefile, which must succeed.
func runMake(t *testing.T, args ...string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if r := runProgram(cleanEnv(), "make", append([]string{"-s", "-C", root}, args...)...); r.code != 0 {
		t.Fatalf("%s", r)
	}
}

// inode is the inode number of path.
func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
