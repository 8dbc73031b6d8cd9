package firewall

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"

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
	if err := json.Unmarshal(args.StdinData, &nc); err != nil {
		return nil, types.NewError(types.ErrDecodingFailure,
			fmt.Sprintf("firewall: decoding the network configuration: %v", err), "")
	}
	conf, err := validate(&nc)
	if err != nil {
		return nil, types.NewError(types.ErrInvalidNetworkConfig,
			fmt.Sprintf("firewall: network %q: invalid configuration: %v", nc.Name, err), "")
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
// ingress policy, which is prevResult's first interface.
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
	if len(conf.prevResult.Interfaces) == 0 || conf.prevResult.Interfaces[0] == nil || conf.prevResult.Interfaces[0].Name == "" {
		return nil, fmt.Errorf("ingress policy %q needs the bridge as prevResult's first interface: chain \"firewall\" after \"bridge\"", conf.policy)
	}
	rec.Bridge = conf.prevResult.Interfaces[0].Name
	if len(rec.Bridge) >= nftutil.IfNameLen {
		return nil, fmt.Errorf("invalid bridge name %q", rec.Bridge)
	}
	return rec, nil
}

// parseIP parses a container address of a record.
func parseIP(s string) (net.IP, error) {
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, fmt.Errorf("invalid address %q", s)
	}
	return ip, nil
}
