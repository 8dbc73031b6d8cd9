package testbin

import (
	"maps"
	"slices"
	"testing"
)

// referencePkgs maps the name of each reference plugin that tests may use
// to its package in github.com/containernetworking/plugins.
var referencePkgs = map[string]string{
	"bridge":     "github.com/containernetworking/plugins/plugins/main/bridge",
	"loopback":   "github.com/containernetworking/plugins/plugins/main/loopback",
	"macvlan":    "github.com/containernetworking/plugins/plugins/main/macvlan",
	"ptp":        "github.com/containernetworking/plugins/plugins/main/ptp",
	"host-local": "github.com/containernetworking/plugins/plugins/ipam/host-local",
	"static":     "github.com/containernetworking/plugins/plugins/ipam/static",
	"bandwidth":  "github.com/containernetworking/plugins/plugins/meta/bandwidth",
	"firewall":   "github.com/containernetworking/plugins/plugins/meta/firewall",
	"portmap":    "github.com/containernetworking/plugins/plugins/meta/portmap",
	"tuning":     "github.com/containernetworking/plugins/plugins/meta/tuning",
}

// Reference builds the named reference plugins (bridge, loopback, macvlan,
// ptp, host-local, static, bandwidth, firewall, portmap, tuning) and returns
// the directory holding them under those names.
func Reference(t testing.TB, names ...string) string {
	t.Helper()
	pkgs := make([]string, 0, len(names))
	for _, n := range names {
		p, ok := referencePkgs[n]
		if !ok {
			t.Fatalf("testbin: unknown reference plugin %q; known: %v", n, slices.Sorted(maps.Keys(referencePkgs)))
		}
		pkgs = append(pkgs, p)
	}
	return Build(t, pkgs...)
}
