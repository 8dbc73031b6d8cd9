package hermetic

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
)

// Snapshot is the state of the private namespaces that a test must leave as
// it found it: links, addresses, routes, netns mounts, the nftables ruleset
// and the files under the watched directories.
type Snapshot struct {
	Links   []string
	Addrs   []string
	Routes  []string
	Netns   []string
	Ruleset string
	Files   []string
}

// Take records the current state, with the files under dirs.
func Take(t testing.TB, dirs ...string) Snapshot {
	t.Helper()
	s := Snapshot{Netns: listFiles(t, "/run/netns"), Ruleset: nftRuleset(t)}
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatalf("listing links: %v", err)
	}
	for _, l := range links {
		s.Links = append(s.Links, l.Type()+":"+l.Attrs().Name)
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatalf("listing addresses: %v", err)
	}
	for _, a := range addrs {
		s.Addrs = append(s.Addrs, a.IPNet.String())
	}
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Table: 0}, netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatalf("listing routes: %v", err)
	}
	for _, r := range routes {
		s.Routes = append(s.Routes, r.String())
	}
	for _, d := range dirs {
		s.Files = append(s.Files, listFiles(t, d)...)
	}
	sort.Strings(s.Links)
	sort.Strings(s.Addrs)
	sort.Strings(s.Routes)
	sort.Strings(s.Files)
	return s
}

// CheckLeaks takes a snapshot now and, when t ends, fails t for every link,
// address, route, netns, nftables rule or file under dirs that the test
// added and did not remove.
func CheckLeaks(t testing.TB, dirs ...string) {
	t.Helper()
	before := Take(t, dirs...)
	t.Cleanup(func() {
		after := Take(t, dirs...)
		for _, d := range []struct {
			what          string
			before, after []string
		}{
			{"link", before.Links, after.Links},
			{"address", before.Addrs, after.Addrs},
			{"route", before.Routes, after.Routes},
			{"netns", before.Netns, after.Netns},
			{"file", before.Files, after.Files},
		} {
			for _, x := range d.after {
				if !slices.Contains(d.before, x) {
					t.Errorf("leaked %s: %s", d.what, x)
				}
			}
		}
		if before.Ruleset != after.Ruleset {
			t.Errorf("leaked nftables state:\nbefore:\n%s\nafter:\n%s", before.Ruleset, after.Ruleset)
		}
	})
}

func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing %s: %v", dir, err)
	}
	return files
}

func nftRuleset(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		return ""
	}
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}
