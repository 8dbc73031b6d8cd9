package portmap

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/plugins/internal/nftutil/nfttest"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

// impl selects the portmap plugin a test drives.
type impl string

const (
	ours      impl = "cnictl"
	reference impl = "reference"
)

// newEnv returns a test environment, for the named networks, whose
// portmap plugin is which's. The reference keeps its iptables-nft tables
// after the last DEL; they are deleted before the leak check.
func newEnv(t *testing.T, which impl, networks ...string) *nfttest.Env {
	t.Helper()
	if which == reference {
		e := nfttest.New(t, []string{testbin.Reference(t, "portmap")}, networks...)
		e.DeleteTablesAtEnd("ip nat", "ip6 nat")
		return e
	}
	return nfttest.New(t, []string{testbin.Build(t, "github.com/cnictl/cnictl/plugins/cmd/portmap")}, networks...)
}

// portmapConf is a chained portmap configuration with extra fields.
func portmapConf(extra map[string]any) map[string]any {
	conf := map[string]any{"type": "portmap", "capabilities": map[string]any{"portMappings": true}}
	for k, v := range extra {
		conf[k] = v
	}
	return conf
}

// mappings builds the portMappings capability argument.
func mappings(ms ...map[string]any) map[string]any {
	list := make([]any, len(ms))
	for i, m := range ms {
		list[i] = m
	}
	return map[string]any{"portMappings": list}
}

// pm is one port mapping.
func pm(proto string, hostPort, containerPort int, hostIP string) map[string]any {
	m := map[string]any{"protocol": proto, "hostPort": hostPort, "containerPort": containerPort}
	if hostIP != "" {
		m["hostIP"] = hostIP
	}
	return m
}

// probe is one connection attempt: from the namespace ns (the host's if
// empty) over network to addr.
type probe struct {
	name, ns, network, addr string
}

// hostPort joins an address and a port.
func hostPort(ip net.IP, port int) string { return net.JoinHostPort(ip.String(), fmt.Sprint(port)) }

// run makes every probe at once and returns, for each, the ID of the
// container that answered, or "-" if none did.
func run(probes []probe) map[string]string {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]string{}
	for _, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			timeout := time.Second
			var id string
			var err error
			// A first datagram may be lost while neighbours are
			// resolved: UDP gets a second chance.
			for range 2 {
				if id, err = nfttest.Ask(p.ns, p.network, "", p.addr, timeout); err == nil || p.network != "udp" {
					break
				}
			}
			if err != nil {
				id = "-"
			}
			mu.Lock()
			out[p.name] = id
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// compare reports every probe whose answer is not the wanted one.
func compare(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %s: answered by %q, want %q", what, name, got[name], w)
		}
	}
}

// listRuleset is `nft list ruleset`.
func listRuleset(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}
