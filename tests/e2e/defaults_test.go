package e2e

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Default locations of cnictl, cnitool and host-local; inside the hermetic
// namespaces they are private to the test binary.
const (
	defaultConfDir   = "/etc/cni/net.d"
	defaultPluginDir = "/opt/cni/bin"
	defaultCacheDir  = "/var/lib/cni"
	defaultIPAMDir   = "/var/lib/cni/networks"
)

// TestDefaultPaths runs cnictl without any directory flag or variable:
// it finds the network in /etc/cni/net.d, the plugins in /opt/cni/bin and
// caches in /var/lib/cni, where upstream cnitool finds the attachment too.
func TestDefaultPaths(t *testing.T) {
	e := newEnv(t)
	// No flags: only the defaults.
	e.global = []string{}
	e.confDir, e.cacheDir, e.ipamDir = defaultConfDir, defaultCacheDir, defaultIPAMDir
	for _, p := range []string{"bridge", "host-local", "loopback"} {
		src := filepath.Join(strings.Split(e.pluginPath, ":")[0], p)
		installFile(t, src, filepath.Join(defaultPluginDir, p))
	}
	conf := filepath.Join(defaultConfDir, "10-defnet.conflist")
	// host-local's default data directory too.
	writeJSON(t, conf, bridgeConf("defnet", "e2ebr10", "10.100.0.0/24", ""))
	t.Cleanup(func() { os.Remove(conf) })
	e.networks = []string{"defnet"}
	e.bridges = []string{"e2ebr10"}
	primeHostLocal(t, defaultIPAMDir, "defnet")
	e.start()

	ns := e.cnictlNetns("defaults")
	ip := decode[cniResult](t, "the ADD result", e.mustRun("-o", "json", "add", "defnet", "defaults").stdout).ip(t)
	entry := "defnet-" + cnitoolID(ns) + "-eth0"
	if got := cacheFiles(t, defaultCacheDir); !slices.Contains(got, entry) {
		t.Errorf("no cache entry %s in %s: %v", entry, defaultCacheDir, got)
	}
	if got := allocations(t, defaultIPAMDir, "defnet"); !slices.Equal(got, []string{ip}) {
		t.Errorf("host-local holds %v in its default data dir, want [%s]", got, ip)
	}
	if l := e.ls(); len(l.Attachments) != 1 || l.Attachments[0].Network != "defnet" {
		t.Errorf("cnictl ls: %+v", l)
	}
	e.mustRun("check", "defnet", "defaults")
	// cnitool, with its defaults too, sees the same attachment.
	if r := runProgram(append(cleanEnv(), "CNI_PATH="+defaultPluginDir), e.cnitool, "check", "defnet", ns); r.code != 0 {
		t.Errorf("cnitool check with the default directories: %s", r)
	}
	e.mustRun("del", "defnet", "defaults")
	if got := cacheFiles(t, defaultCacheDir); slices.Contains(got, entry) {
		t.Errorf("cache entry %s left", entry)
	}
}

// installFile copies an executable; it is removed when the test ends.
func installFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dst) })
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
