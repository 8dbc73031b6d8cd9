package firewall

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

// impl selects the firewall plugin a test drives.
type impl string

const (
	ours      impl = "cnictl"
	reference impl = "reference"
)

// newEnv returns a test environment, for the named networks, whose
// firewall plugin is which's. iptables-nft's filter tables, which the
// tests' iptables -P and the reference plugin make and keep, are deleted
// before the leak check.
func newEnv(t *testing.T, which impl, networks ...string) *nfttest.Env {
	t.Helper()
	dir := testbin.Build(t, "github.com/cnictl/cnictl/plugins/cmd/firewall")
	if which == reference {
		dir = testbin.Reference(t, "firewall")
	}
	e := nfttest.New(t, []string{dir}, networks...)
	e.DeleteTablesAtEnd("ip filter", "ip6 filter")
	nfttest.EnableForwarding(e)
	return e
}

// firewallConf is a chained firewall configuration with extra fields.
func firewallConf(extra map[string]any) map[string]any {
	conf := map[string]any{"type": "firewall"}
	for k, v := range extra {
		conf[k] = v
	}
	return conf
}

// probe is one TCP connection attempt: from the namespace ns to addr.
type probe struct {
	name, ns, addr string
}

// hostPort joins an address and a port.
func hostPort(ip net.IP, port int) string { return net.JoinHostPort(ip.String(), fmt.Sprint(port)) }

// run makes every probe at once and returns, for each, the ID of the
// server that answered, or "-" if none did.
func run(probes []probe) map[string]string {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]string{}
	for _, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := nfttest.Ask(p.ns, "tcp", "", p.addr, time.Second)
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

// iptables runs an iptables command (iptables-nft) and returns its output.
func iptables(t *testing.T, cmd string, args ...string) string {
	t.Helper()
	out, err := exec.Command(cmd, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", cmd, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// listRuleset is `nft list ruleset`.
func listRuleset(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}
