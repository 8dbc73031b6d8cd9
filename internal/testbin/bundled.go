package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bundledPkg is the multi-call executable of cnictl's bundled plugins.
const bundledPkg = "github.com/cnictl/cnictl/plugins/cmd/cnictl-plugins"

// Bundled builds cnictl's bundled plugins as installed: the multi-call
// executable hard-linked once per plugin type into a directory of its own,
// which it returns.
func Bundled(t testing.TB) string {
	t.Helper()
	exe := filepath.Join(Build(t, bundledPkg), "cnictl-plugins")
	mu.Lock()
	defer mu.Unlock()
	out := filepath.Join(dir, "bundled")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	types, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("testbin: listing bundled plugin types: %v", err)
	}
	tmp := out + ".tmp"
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatalf("testbin: %v", err)
	}
	for _, typ := range strings.Fields(string(types)) {
		if err := os.Link(exe, filepath.Join(tmp, typ)); err != nil {
			t.Fatalf("testbin: linking bundled plugin %s: %v", typ, err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatalf("testbin: %v", err)
	}
	return out
}
