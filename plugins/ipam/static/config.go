package static

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
)

// netConf is the network configuration on stdin: IPAM plugins get the
// whole configuration of the plugin that calls them.
type netConf struct {
	Name          string    `json:"name"`
	CNIVersion    string    `json:"cniVersion"`
	IPAM          *ipamConf `json:"ipam"`
	RuntimeConfig struct {
		IPs []string `json:"ips,omitempty"`
	} `json:"runtimeConfig,omitempty"`
	Args *struct {
		CNI *struct {
			IPs []string `json:"ips"`
		} `json:"cni"`
	} `json:"args"`
}

// ipamConf is the ipam section.
type ipamConf struct {
	Type      string         `json:"type"`
	Routes    []*types.Route `json:"routes"`
	Addresses []addressConf  `json:"addresses,omitempty"`
	DNS       types.DNS      `json:"dns"`
}

// addressConf is one entry of ipam.addresses.
type addressConf struct {
	Address string `json:"address"`
	Gateway string `json:"gateway,omitempty"`
}

// config is what static hands out.
type config struct {
	Name       string
	CNIVersion string
	Addresses  []*address
	Routes     []*types.Route
	DNS        types.DNS
}

// address is one address to hand out.
type address struct {
	// IPNet is the address with the prefix length of its subnet.
	IPNet   net.IPNet
	Gateway net.IP
}

// loadConfig reads the configuration on stdin and CNI_ARGS. Addresses
// come from runtimeConfig.ips if there are any, else from args.cni.ips,
// else from ipam.addresses followed by CNI_ARGS IP. Its errors are CNI
// errors that name the network and the offending field.
func loadConfig(stdin []byte, cniArgs string) (*config, error) {
	var n netConf
	if err := json.Unmarshal(stdin, &n); err != nil {
		return nil, types.NewError(types.ErrDecodingFailure,
			fmt.Sprintf("static: decoding the network configuration: %v", err), "")
	}
	invalid := func(code uint, err error) error {
		return types.NewError(code, fmt.Sprintf("static: network %q: %v", n.Name, err), "")
	}
	if n.IPAM == nil {
		return nil, invalid(types.ErrInvalidNetworkConfig, errors.New("IPAM config missing 'ipam' key"))
	}
	fromEnv, err := parseEnv(cniArgs)
	if err != nil {
		return nil, invalid(types.ErrInvalidEnvironmentVariables, err)
	}
	addrs, err := chooseAddresses(&n, fromEnv)
	if err != nil {
		return nil, invalid(types.ErrInvalidNetworkConfig, err)
	}
	if err := checkFamilies(n.CNIVersion, addrs); err != nil {
		return nil, invalid(types.ErrInvalidNetworkConfig, err)
	}
	return &config{Name: n.Name, CNIVersion: n.CNIVersion, Addresses: addrs, Routes: n.IPAM.Routes, DNS: n.IPAM.DNS}, nil
}

// chooseAddresses picks the addresses by precedence: runtimeConfig.ips,
// args.cni.ips, then ipam.addresses with those of CNI_ARGS after them.
func chooseAddresses(n *netConf, fromEnv []*address) ([]*address, error) {
	var fromArgs []*address
	if n.Args != nil && n.Args.CNI != nil {
		var err error
		if fromArgs, err = parseCIDRs("args.cni.ips", n.Args.CNI.IPs); err != nil {
			return nil, err
		}
	}
	fromRuntime, err := parseCIDRs("runtimeConfig.ips", n.RuntimeConfig.IPs)
	if err != nil {
		return nil, err
	}
	switch {
	case len(fromRuntime) > 0:
		return fromRuntime, nil
	case len(fromArgs) > 0:
		return fromArgs, nil
	}
	var addrs []*address
	for i, a := range n.IPAM.Addresses {
		field := fmt.Sprintf("ipam.addresses[%d]", i)
		addr, err := parseCIDR(field+".address", a.Address)
		if err != nil {
			return nil, err
		}
		if a.Gateway != "" {
			if addr.Gateway = net.ParseIP(a.Gateway); addr.Gateway == nil {
				return nil, fmt.Errorf("%s.gateway: %q is not an IP address", field, a.Gateway)
			}
		}
		addrs = append(addrs, addr)
	}
	return append(addrs, fromEnv...), nil
}

// checkFamilies rejects more than one address per family below CNI 0.3.0,
// whose results cannot carry them.
func checkFamilies(cniVersion string, addrs []*address) error {
	v4, v6 := 0, 0
	for _, a := range addrs {
		if a.IPNet.IP.To4() != nil {
			v4++
		} else {
			v6++
		}
	}
	if v4 <= 1 && v6 <= 1 {
		return nil
	}
	if ok, _ := version.GreaterThanOrEqualTo(cniVersion, "0.3.0"); ok {
		return nil
	}
	return fmt.Errorf("cniVersion %q does not support more than 1 address per family (%d IPv4, %d IPv6)", cniVersion, v4, v6)
}
