package hostlocal

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// addAll runs one ADD per plugin in ps at the same time, as containers
// c0, c1, ..., and returns their outcomes in that order.
func addAll(t *testing.T, conf string, ps []plugin) []plugintest.Outcome {
	t.Helper()
	outs := make([]plugintest.Outcome, len(ps))
	errs := make([]error, len(ps))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() {
			<-start
			outs[i], errs[i] = plugintest.Exec(string(p), plugintest.Call{Command: "ADD", ContainerID: fmt.Sprintf("c%d", i), IfName: "eth0", Conf: conf})
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return outs
}

// distinctIPs fails t unless the successful outcomes hold distinct
// addresses, which are also exactly those allocated in dataDir, and
// returns how many succeeded.
func distinctIPs(t *testing.T, ver, dataDir string, outs []plugintest.Outcome) int {
	t.Helper()
	var ips []string
	for _, o := range outs {
		if o.ExitCode == 0 {
			ips = append(ips, o.IPs(t, ver)...)
		}
	}
	slices.Sort(ips)
	if d := slices.Compact(slices.Clone(ips)); len(d) != len(ips) {
		t.Fatalf("an address was handed out twice: %v", ips)
	}
	if got := allocated(t, dataDir); !slices.Equal(got, ips) {
		t.Errorf("allocation directory holds %v, results %v", got, ips)
	}
	return len(ips)
}

// TestConcurrentAdds runs 40 ADD processes at once, ours alone and ours
// mixed with the reference's, and wants 40 distinct addresses.
func TestConcurrentAdds(t *testing.T) {
	hermetic.Require(t)
	const n = 40
	ourPlugin, refPlugin := ours(t), reference(t)
	for _, mixed := range []bool{false, true} {
		t.Run(fmt.Sprintf("with reference %v", mixed), func(t *testing.T) {
			ps := make([]plugin, n)
			for i := range ps {
				ps[i] = ourPlugin
				if mixed && i%2 == 1 {
					ps[i] = refPlugin
				}
			}
			const ver = "1.0.0"
			dataDir := t.TempDir()
			outs := addAll(t, netconf(t, ver, dataDir, subnet("10.30.0.0/24"), nil), ps)
			for _, o := range outs {
				o.Ok(t)
			}
			if got := distinctIPs(t, ver, dataDir, outs); got != n {
				t.Errorf("%d addresses allocated, want %d", got, n)
			}
		})
	}
}

// TestConcurrentExhaustion runs 30 ADD processes at once on a /28, which
// has 13 addresses besides the gateway: exactly 13 must succeed and the
// 17 others fail saying that the range is exhausted.
func TestConcurrentExhaustion(t *testing.T) {
	hermetic.Require(t)
	const n, capacity = 30, 13
	p := ours(t)
	for _, ver := range []string{"0.3.1", "1.1.0"} {
		t.Run(ver, func(t *testing.T) {
			dataDir := t.TempDir()
			outs := addAll(t, netconf(t, ver, dataDir, subnet("10.31.0.0/28"), nil), slices.Repeat([]plugin{p}, n))
			if got := distinctIPs(t, ver, dataDir, outs); got != capacity {
				t.Errorf("%d ADDs succeeded, want %d", got, capacity)
			}
			for _, o := range outs {
				if o.ExitCode != 0 {
					if e := o.CNIError(t); !strings.Contains(e.Msg, "no free address in range set 0 (10.31.0.1-10.31.0.14)") {
						t.Errorf("failed ADD: %q, want the exhausted error", e.Msg)
					}
				}
			}
		})
	}
}
