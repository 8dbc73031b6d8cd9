package portmap

import (
	"fmt"
	"net"
	"strings"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// portMapping is one entry of runtimeConfig.portMappings (CONVENTIONS.md).
type portMapping struct {
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"hostIP,omitempty"`
}

// netConf is the network configuration as the reference plugin reads it.
type netConf struct {
	types.PluginConf
	Backend              *string   `json:"backend,omitempty"`
	SNAT                 *bool     `json:"snat,omitempty"`
	ConditionsV4         *[]string `json:"conditionsV4"`
	ConditionsV6         *[]string `json:"conditionsV6"`
	MasqAll              bool      `json:"masqAll,omitempty"`
	MarkMasqBit          *int      `json:"markMasqBit"`
	ExternalSetMarkChain *string   `json:"externalSetMarkChain"`
	RuntimeConfig        struct {
		PortMaps []portMapping `json:"portMappings,omitempty"`
	} `json:"runtimeConfig,omitempty"`
}

// config is a validated configuration.
type config struct {
	network    string
	cniVersion string
	// prevResult is nil when the runtime passed none.
	prevResult types.Result
	snat       bool
	masqAll    bool
	group      group
	mappings   []mapping
	// valid lists the attachments GC keeps.
	valid []types.GCAttachment
}

// mapping is a validated port mapping.
type mapping struct {
	Protocol      string `json:"protocol"`
	HostPort      uint16 `json:"hostPort"`
	ContainerPort uint16 `json:"containerPort"`
	// HostIP is the canonical form of the host address, empty for any.
	HostIP string `json:"hostIP,omitempty"`
}

// String describes the mapping in messages: tcp/8080->80.
func (m mapping) String() string {
	host := ""
	if m.HostIP != "" {
		host = m.HostIP + ":"
	}
	return fmt.Sprintf("%s/%s%d->%d", m.Protocol, host, m.HostPort, m.ContainerPort)
}

// protocols maps the protocols a mapping may name to their numbers.
var protocols = map[string]byte{"tcp": 6, "udp": 17, "sctp": 132}

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
	if nc.Backend != nil && *nc.Backend != "iptables" && *nc.Backend != "nftables" {
		return nil, fmt.Errorf("unknown backend %q: use \"iptables\" or \"nftables\" (both mean cnictl's nftables table)", *nc.Backend)
	}
	if nc.ExternalSetMarkChain != nil {
		if nc.MarkMasqBit != nil {
			return nil, fmt.Errorf("cannot specify externalSetMarkChain and markMasqBit")
		}
		return nil, fmt.Errorf("externalSetMarkChain %q is not supported: cnictl's portmap masquerades hairpin and localhost connections in its own nftables table and cannot jump to an iptables chain; remove the option", *nc.ExternalSetMarkChain)
	}
	if nc.MarkMasqBit != nil && (*nc.MarkMasqBit < 0 || *nc.MarkMasqBit > 31) {
		return nil, fmt.Errorf("markMasqBit %d: must be between 0 and 31", *nc.MarkMasqBit)
	}
	g, err := newGroup(nc.ConditionsV4, nc.ConditionsV6)
	if err != nil {
		return nil, err
	}
	conf := &config{
		network: nc.Name, cniVersion: nc.CNIVersion, snat: nc.SNAT == nil || *nc.SNAT,
		masqAll: nc.MasqAll, group: g, valid: nc.ValidAttachments,
	}
	for _, pm := range nc.RuntimeConfig.PortMaps {
		m, err := validateMapping(pm)
		if err != nil {
			return nil, err
		}
		conf.mappings = append(conf.mappings, m)
	}
	if nc.RawPrevResult != nil {
		if err := version.ParsePrevResult(&nc.PluginConf); err != nil {
			return nil, err
		}
		conf.prevResult = nc.PrevResult
	}
	return conf, nil
}

// validateMapping checks one port mapping.
func validateMapping(pm portMapping) (mapping, error) {
	proto := strings.ToLower(pm.Protocol)
	if _, ok := protocols[proto]; !ok {
		return mapping{}, fmt.Errorf("port mapping %+v: protocol %q: must be tcp, udp or sctp", pm, pm.Protocol)
	}
	if pm.HostPort <= 0 || pm.HostPort > 65535 {
		return mapping{}, fmt.Errorf("port mapping %+v: invalid host port number %d", pm, pm.HostPort)
	}
	if pm.ContainerPort <= 0 || pm.ContainerPort > 65535 {
		return mapping{}, fmt.Errorf("port mapping %+v: invalid container port number %d", pm, pm.ContainerPort)
	}
	m := mapping{Protocol: proto, HostPort: uint16(pm.HostPort), ContainerPort: uint16(pm.ContainerPort)}
	if pm.HostIP != "" {
		ip := net.ParseIP(pm.HostIP)
		if ip == nil {
			return mapping{}, fmt.Errorf("port mapping %+v: invalid hostIP %q", pm, pm.HostIP)
		}
		m.HostIP = ip.String()
	}
	return m, nil
}

// containerAddrs returns the addresses of the container's interface ifName
// in result: the first IPv4 and the first IPv6 address, as the reference
// picks them. Addresses of other interfaces, and of interfaces outside the
// sandbox, are skipped.
func containerAddrs(prev types.Result, ifName string) ([]*net.IPNet, error) {
	result, err := current.NewResultFromResult(prev)
	if err != nil {
		return nil, fmt.Errorf("converting prevResult: %w", err)
	}
	var v4, v6 *net.IPNet
	for _, ipc := range result.IPs {
		if ipc.Interface != nil {
			i := *ipc.Interface
			if i >= 0 && i < len(result.Interfaces) && (result.Interfaces[i].Name != ifName || result.Interfaces[i].Sandbox == "") {
				continue
			}
		}
		addr := ipc.Address
		if addr.IP.To4() != nil && v4 == nil {
			v4 = &net.IPNet{IP: addr.IP.To4(), Mask: addr.Mask}
		} else if addr.IP.To4() == nil && v6 == nil {
			v6 = &addr
		}
	}
	var out []*net.IPNet
	for _, a := range []*net.IPNet{v4, v6} {
		if a != nil {
			out = append(out, a)
		}
	}
	return out, nil
}
