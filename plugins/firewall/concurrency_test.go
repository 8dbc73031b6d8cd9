package firewall

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/google/nftables"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// TestConcurrentAddDel adds and then deletes many attachments on two
// isolated bridges at once, as concurrent plugin processes would: every
// address is installed, and after the last DEL neither the table nor any
// state is left.
func TestConcurrentAddDel(t *testing.T) {
	hermetic.Require(t)
	stateDir := t.TempDir()
	t.Setenv(nftutil.EnvStateDir, stateDir)
	hermetic.CheckLeaks(t, stateDir)
	const n = 24
	attach := func(i int) (*config, nftutil.Attachment) {
		bridge := fmt.Sprintf("br%d", i%2)
		prev := &current.Result{
			Interfaces: []*current.Interface{{Name: bridge}},
			IPs:        []*current.IPConfig{{Address: net.IPNet{IP: net.IPv4(10, 90, byte(i%2), byte(i+2)), Mask: net.CIDRMask(24, 32)}}},
		}
		return &config{network: "net" + bridge, policy: policyIsolated, prevResult: prev},
			nftutil.Attachment{Network: "net" + bridge, ContainerID: fmt.Sprintf("c%d", i), IfName: "eth0"}
	}
	parallel := func(fn func(i int) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = fn(i)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("attachment %d: %v", i, err)
			}
		}
	}
	parallel(func(i int) error { return add(attach(i)) })
	r, err := openRuleset()
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	for set, want := range map[string]int{"ips4": n, setPolicyBridges: 2, setIsolatedPairs: 2} {
		elems, err := r.c.GetSetElements(&nftables.Set{Table: inetTable, Name: set})
		if err != nil {
			t.Fatal(err)
		}
		if len(elems) != want {
			t.Errorf("%d elements in %s after %d concurrent ADDs, want %d", len(elems), set, n, want)
		}
	}
	parallel(func(i int) error {
		_, a := attach(i)
		return del(a)
	})
	if rs := listRuleset(t); strings.Contains(rs, tableName) {
		t.Errorf("table left after the last DEL:\n%s", rs)
	}
}
