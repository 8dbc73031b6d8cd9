package firewall

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/nftutil/nfttest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// policyScenario puts containers a1 and a2 on network A and b1 on network
// B, both with ingress policy policy, and o1 on network O, whose
// configuration says "ingressPolicy": "open", next to an outside
// namespace, with which's firewall. Every container answers on TCP 7000.
// It returns the probes between them.
func policyScenario(t *testing.T, which plugintest.Impl, policy string, brNetfilter bool) []nfttest.Probe {
	t.Helper()
	e := newEnv(t, which, "fwa", "fwb", "fwo")
	e.SetBridgeNetfilter(brNetfilter)
	out := e.NewOutside("fwpout", []string{"192.0.2.1/24"}, []string{"192.0.2.2/24"})
	conf := firewallConf(map[string]any{"ingressPolicy": policy})
	la := e.Network(nfttest.Bridge{Name: "fwa", Device: "cnifwa", Subnets: []string{"10.81.0.0/24"}}, conf)
	lb := e.Network(nfttest.Bridge{Name: "fwb", Device: "cnifwb", Subnets: []string{"10.82.0.0/24"}}, conf)
	lo := e.Network(nfttest.Bridge{Name: "fwo", Device: "cnifwo", Subnets: []string{"10.84.0.0/24"}},
		firewallConf(map[string]any{"ingressPolicy": policyOpen}))
	a1, a2 := e.Add(la, "a1", nil), e.Add(la, "a2", nil)
	b1 := e.Add(lb, "b1", nil)
	o1 := e.Add(lo, "o1", nil)
	for _, c := range []*nfttest.Container{a1, a2, b1, o1} {
		c.Serve(7000)
	}
	to := func(c *nfttest.Container) string { return nfttest.HostPort(c.IP(false), 7000) }
	return []nfttest.Probe{
		{Name: "same bridge", NS: a1.NS, Network: "tcp", Addr: to(a2)},
		{Name: "to the other network", NS: a1.NS, Network: "tcp", Addr: to(b1)},
		{Name: "from the other network", NS: b1.NS, Network: "tcp", Addr: to(a1)},
		{Name: "to the open network", NS: a1.NS, Network: "tcp", Addr: to(o1)},
		{Name: "from the open network", NS: o1.NS, Network: "tcp", Addr: to(a1)},
		{Name: "from the host", Network: "tcp", Addr: to(a1)},
		{Name: "from outside", NS: out.NS, Network: "tcp", Addr: to(a1)},
	}
}

// TestIngressPolicy checks who reaches whom under same-bridge and
// isolated, with br_netfilter: traffic between the two networks with the
// policy is dropped, and with isolated traffic within a bridge too;
// the open network, the host and the outside are not affected.
func TestIngressPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy     string
		sameBridge string
	}{{policySameBridge, "a2"}, {policyIsolated, "-"}} {
		t.Run(tc.policy, func(t *testing.T) {
			probes := policyScenario(t, plugintest.Ours, tc.policy, true)
			nfttest.Compare(t, tc.policy, nfttest.Run(probes), map[string]string{
				"same bridge": tc.sameBridge, "to the other network": "-", "from the other network": "-",
				"to the open network": "o1", "from the open network": "a1", "from the host": "a1", "from outside": "a1",
			})
		})
	}
}

// TestIngressPolicyDifferential runs the policy scenarios with the
// reference plugin and with cnictl's, with and without br_netfilter: the
// same connections succeed.
func TestIngressPolicyDifferential(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		brNetfilter  bool
	}{
		{"same-bridge", policySameBridge, true},
		{"isolated", policyIsolated, true},
		{"isolated without br_netfilter", policyIsolated, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			results := map[plugintest.Impl]map[string]string{}
			for _, which := range []plugintest.Impl{plugintest.Reference, plugintest.Ours} {
				t.Run(string(which), func(t *testing.T) {
					results[which] = nfttest.Run(policyScenario(t, which, tc.policy, tc.brNetfilter))
				})
			}
			nfttest.Compare(t, "cnictl vs reference", results[plugintest.Ours], results[plugintest.Reference])
		})
	}
}

// TestIngressPolicyNeedsBridge chains the firewall after ptp, whose first
// interface in prevResult is the host end of the container's veth, not a
// bridge: ADD with same-bridge or isolated fails, names the network and
// says what the chain lacks, and leaves nothing behind (the reference
// would put each veth under the policy and so cut the network's
// containers off from each other). Without a policy, two containers of a
// ptp network reach each other.
func TestIngressPolicyNeedsBridge(t *testing.T) {
	e := plugintest.New(t, plugintest.Config{
		Plugin: "firewall", Impl: plugintest.Ours, Reference: []string{"ptp", "host-local"},
		Networks: []string{"fwptp", "fwptpopen"}, StateEnv: nftutil.EnvStateDir,
	})
	plugintest.EnableForwarding(t)
	ptp := func(subnet string) map[string]any {
		return map[string]any{"type": "ptp", "ipam": map[string]any{"type": "host-local", "ranges": []any{[]any{map[string]any{"subnet": subnet}}}}}
	}
	for _, policy := range []string{policySameBridge, policyIsolated} {
		t.Run(policy, func(t *testing.T) {
			l := e.List("fwptp", "1.1.0", ptp("10.97.0.0/24"), firewallConf(map[string]any{"ingressPolicy": policy}))
			_, err := e.CNI.Add(context.Background(), l, plugintest.RT("c1", e.Container("ptp-"+policy)))
			want := fmt.Sprintf(`ingressPolicy %q of network "fwptp" needs a bridge plugin first in the chain`, policy)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "is a veth, not a bridge") {
				t.Errorf("ADD after ptp: %v, want an error with %q", err, want)
			}
			if rs := plugintest.Ruleset(t); strings.Contains(rs, tableName) {
				t.Errorf("the failed ADD left table %s:\n%s", tableName, rs)
			}
		})
	}
	l := e.List("fwptpopen", "1.1.0", ptp("10.98.0.0/24"), firewallConf(nil))
	ns1 := e.Container("ptp-o1")
	e.Attach(l, "o1", ns1)
	_, r2 := e.Attach(l, "o2", e.Container("ptp-o2"))
	plugintest.Ping(t, ns1, plugintest.AsCurrent(t, r2).IPs[0].Address.IP.String())
}
