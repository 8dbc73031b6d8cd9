package hermetic

import (
	"os"
	"testing"

	"github.com/vishvananda/netlink"
)

func TestMain(m *testing.M) { Main(m) }

func TestPrivateNamespaces(t *testing.T) {
	Require(t)
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 || links[0].Attrs().Name != "lo" {
		t.Fatalf("private network namespace should hold only lo, found %d links", len(links))
	}
	for _, dir := range stateDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("state dir %s: %v", dir, err)
		}
		if len(entries) != 0 {
			t.Fatalf("state dir %s should start empty, has %d entries", dir, len(entries))
		}
	}
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Fatalf("overlay on /etc should keep its content: %v", err)
	}
}
