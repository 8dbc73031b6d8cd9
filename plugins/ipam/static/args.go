package static

import (
	"fmt"
	"net"
	"strings"

	"github.com/containernetworking/cni/pkg/types"
)

// envArgs are the CNI_ARGS static reads: comma-separated addresses in CIDR
// notation, and gateways, each applied to the CNI_ARGS addresses whose
// subnet holds it.
type envArgs struct {
	types.CommonArgs
	IP      types.UnmarshallableString
	GATEWAY types.UnmarshallableString
}

// parseEnv returns the addresses of CNI_ARGS, with their gateways.
func parseEnv(cniArgs string) ([]*address, error) {
	var env envArgs
	if err := types.LoadArgs(cniArgs, &env); err != nil {
		return nil, fmt.Errorf("CNI_ARGS: %w", err)
	}
	var addrs []*address
	if env.IP != "" {
		var err error
		if addrs, err = parseCIDRs("CNI_ARGS IP", strings.Split(string(env.IP), ",")); err != nil {
			return nil, err
		}
	}
	if env.GATEWAY == "" {
		return addrs, nil
	}
	for _, field := range strings.Split(string(env.GATEWAY), ",") {
		gw := net.ParseIP(strings.TrimSpace(field))
		if gw == nil {
			return nil, fmt.Errorf("CNI_ARGS GATEWAY: %q is not an IP address", field)
		}
		used := false
		for _, a := range addrs {
			if a.IPNet.Contains(gw) {
				a.Gateway, used = gw, true
			}
		}
		if !used {
			return nil, fmt.Errorf("CNI_ARGS GATEWAY: %s is in the subnet of no CNI_ARGS IP address", gw)
		}
	}
	return addrs, nil
}

// parseCIDRs parses the entries of a list field.
func parseCIDRs(field string, entries []string) ([]*address, error) {
	addrs := make([]*address, 0, len(entries))
	for i, s := range entries {
		a, err := parseCIDR(fmt.Sprintf("%s[%d]", field, i), s)
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// parseCIDR parses an address with its prefix length, such as
// 10.1.2.3/24.
func parseCIDR(field, s string) (*address, error) {
	addr, subnet, err := net.ParseCIDR(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not an address in CIDR notation (like 10.1.2.3/24)", field, s)
	}
	if v4 := addr.To4(); v4 != nil {
		addr = v4
	}
	return &address{IPNet: net.IPNet{IP: addr, Mask: subnet.Mask}}, nil
}
