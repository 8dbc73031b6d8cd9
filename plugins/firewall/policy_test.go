package firewall

import (
	"testing"

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
