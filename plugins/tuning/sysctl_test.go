package tuning_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestDuplicateSysctlRejected wants a sysctl key that appears twice
// rejected, as the reference plugin does, rather than the last value used.
func TestDuplicateSysctlRejected(t *testing.T) {
	e := newEnv(t, plugintest.Ours)
	data := e.listJSON("1.1.0", map[string]any{"sysctl": map[string]any{"net.core.somaxconn": "1000"}})
	data = bytes.Replace(data, []byte(`"net.core.somaxconn":"1000"`), []byte(`"net.core.somaxconn":"1000","net.core.somaxconn":"2000"`), 1)
	nsPath := e.Container("tune-a")
	_, err := e.CNI.Add(context.Background(), e.ListFrom(data), plugintest.RT("tune-a", nsPath))
	if err == nil || !strings.Contains(err.Error(), `sysctl "net.core.somaxconn" appears twice`) {
		t.Errorf("ADD with a duplicated sysctl: %v, want an error naming the key", err)
	}
}

// TestSysctlAllowlist wants the reference's allowlist honoured: with
// /etc/cni/tuning/allowlist.conf present, only keys matching one of its
// expressions are accepted.
func TestSysctlAllowlist(t *testing.T) {
	e := newEnv(t, plugintest.Ours)
	const allowlist = "/etc/cni/tuning/allowlist.conf"
	if err := os.MkdirAll(filepath.Dir(allowlist), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(allowlist, []byte("^net\\.core\\.[a-z_]+$\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(allowlist) })

	denied := e.list("1.1.0", map[string]any{"sysctl": map[string]any{"net.ipv4.conf.IFNAME.arp_ignore": "1"}})
	_, err := e.CNI.Add(context.Background(), denied, plugintest.RT("tune-a", e.Container("tune-a")))
	if err == nil || !strings.Contains(err.Error(), `sysctl "net.ipv4.conf.IFNAME.arp_ignore" is not allowed`) {
		t.Errorf("ADD with a sysctl outside the allowlist: %v, want an error naming the key", err)
	}
	allowed := e.list("1.1.0", map[string]any{"sysctl": map[string]any{"net.core.somaxconn": "1000"}})
	nsPath := e.Container("tune-b")
	e.Add(allowed, plugintest.RT("tune-b", nsPath))
	if got := sysctlIn(t, nsPath, nsSysctl); got != "1000" {
		t.Errorf("%s is %s, want 1000", nsSysctl, got)
	}
}
