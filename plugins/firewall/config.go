package firewall

import (
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// Ingress policies (the reference's IngressPolicy values).
const (
	policyOpen       = "open"
	policySameBridge = "same-bridge"
	policyIsolated   = "isolated"
)

// netConf is the network configuration as the reference plugin reads it.
type netConf struct {
	types.PluginConf
	Backend                string `json:"backend"`
	IptablesAdminChainName string `json:"iptablesAdminChainName,omitempty"`
	FirewalldZone          string `json:"firewalldZone,omitempty"`
	IngressPolicy          string `json:"ingressPolicy,omitempty"`
}

// config is a validated configuration.
type config struct {
	network    string
	cniVersion string
	// policy is "" for open, else same-bridge or isolated.
	policy string
	// prevResult is nil when the runtime passed none.
	prevResult *current.Result
	// valid lists the attachments GC keeps.
	valid []types.GCAttachment
}

// errFirewalld explains why the firewalld backend is refused.
var errFirewalld = errors.New(`backend "firewalld" is not supported: cnictl's firewall plugin programs nftables itself and does not talk to firewalld over D-Bus; ` +
	`omit "backend" or set it to "iptables" (the same nftables rules either way), and if firewalld filters forwarding, put the network's bridge in a zone that allows it`)

// loadConfig parses and validates the configuration on stdin. Its errors
// are CNI errors naming the network: code 6 for undecodable JSON, 7 for an
// invalid configuration.
func loadConfig(args *skel.CmdArgs) (*config, error) {
	var nc netConf
	if err := records.Decode(args.StdinData, &nc); err != nil {
		return nil, err
	}
	conf, err := validate(&nc)
	if err != nil {
		return nil, records.Invalid(nc.Name, err)
	}
	return conf, nil
}

// validate checks nc and turns it into a config.
func validate(nc *netConf) (*config, error) {
	if err := nftutil.ValidateNetwork(nc.Name); err != nil {
		return nil, err
	}
	switch nc.Backend {
	case "", "iptables":
	case "firewalld":
		return nil, errFirewalld
	default:
		return nil, fmt.Errorf("unknown backend %q: use \"iptables\" or omit it", nc.Backend)
	}
	conf := &config{network: nc.Name, cniVersion: nc.CNIVersion, valid: nc.ValidAttachments}
	switch nc.IngressPolicy {
	case "", policyOpen:
	case policySameBridge, policyIsolated:
		conf.policy = nc.IngressPolicy
	default:
		return nil, fmt.Errorf("unknown ingress policy %q: use %q, %q or %q", nc.IngressPolicy, policyOpen, policySameBridge, policyIsolated)
	}
	if nc.RawPrevResult != nil {
		if err := version.ParsePrevResult(&nc.PluginConf); err != nil {
			return nil, err
		}
		result, err := current.NewResultFromResult(nc.PrevResult)
		if err != nil {
			return nil, fmt.Errorf("converting prevResult: %w", err)
		}
		conf.prevResult = result
	}
	return conf, nil
}

// record is the state file of one attachment: what its ADD installed.
type record struct {
	nftutil.Attachment
	// Addresses are the container's addresses, without prefix lengths.
	Addresses []string `json:"addresses"`
	// Policy is same-bridge or isolated; empty for open.
	Policy string `json:"policy,omitempty"`
	// Bridge is the bridge the policy applies to.
	Bridge string `json:"bridge,omitempty"`
}

// newRecord makes the record of what conf asks for a: every address of
// prevResult, as the reference accepts them all, and the bridge of the
// ingress policy (policyBridge).
func newRecord(conf *config, a nftutil.Attachment) (*record, error) {
	rec := &record{Attachment: a, Policy: conf.policy}
	seen := map[string]bool{}
	for _, ipc := range conf.prevResult.IPs {
		s := ipc.Address.IP.String()
		if !seen[s] {
			seen[s] = true
			rec.Addresses = append(rec.Addresses, s)
		}
	}
	if conf.policy == "" {
		return rec, nil
	}
	bridge, err := policyBridge(conf)
	if err != nil {
		return nil, err
	}
	rec.Bridge = bridge
	return rec, nil
}

// policyBridge returns the bridge the ingress policy applies to:
// prevResult's first interface, which the bridge plugin makes its bridge.
// Other plugins put another interface first (ptp its host veth, macvlan the
// container's interface), and a policy on that would cut the network's
// containers off from each other, so it must be a bridge of the host.
func policyBridge(conf *config) (string, error) {
	needs := fmt.Sprintf("ingressPolicy %q of network %q needs a bridge plugin first in the chain, before \"firewall\"", conf.policy, conf.network)
	ifs := conf.prevResult.Interfaces
	if len(ifs) == 0 || ifs[0] == nil || ifs[0].Name == "" {
		return "", fmt.Errorf("%s: prevResult names no interface", needs)
	}
	name := ifs[0].Name
	if ifs[0].Sandbox != "" {
		return "", fmt.Errorf("%s: prevResult's first interface %q is in the container's namespace %s, not a bridge of the host", needs, name, ifs[0].Sandbox)
	}
	link, err := netlinksafe.LinkByName(name)
	if err != nil {
		return "", fmt.Errorf("%s: prevResult's first interface %q: %w", needs, name, err)
	}
	if _, ok := link.(*netlink.Bridge); !ok {
		return "", fmt.Errorf("%s: prevResult's first interface %q is a %s, not a bridge", needs, name, link.Type())
	}
	return name, nil
}

// parseIP parses a container address of a record.
func parseIP(s string) (net.IP, error) {
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, fmt.Errorf("invalid address %q", s)
	}
	return ip, nil
}
