package hostlocal

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/plugins/ipam/host-local/backend/allocator"
)

// defaultDataDir holds the allocation directories of networks whose
// configuration names no dataDir; the reference plugin's default.
const defaultDataDir = "/var/lib/cni/networks"

// config is a network's host-local configuration together with the
// addresses the runtime asked for.
type config struct {
	// IPAMConfig is the configuration as the reference parses it; its
	// IPArgs are the requested addresses and DataDir is never empty.
	*allocator.IPAMConfig
	// NetConf holds the generic fields: cniVersion, the prevResult of
	// CHECK and the valid attachments of GC.
	NetConf types.PluginConf
}

// netConf is what loadConfig reads from stdin besides the reference's
// IPAM configuration.
type netConf struct {
	types.PluginConf
	Args *struct {
		CNI *struct {
			IPs []json.RawMessage `json:"ips"`
		} `json:"cni"`
	} `json:"args"`
}

// envArgs are the CNI_ARGS host-local reads. IP lists the requested
// addresses, comma-separated; IgnoreUnknown=1 lets other keys through.
type envArgs struct {
	types.CommonArgs
	IP types.UnmarshallableString
}

// loadConfig reads the network configuration on stdin and the requested
// addresses from CNI_ARGS, args.cni.ips and runtimeConfig.ips. Its errors
// are CNI errors naming the network: code 6 for undecodable JSON, 7 for an
// invalid configuration and 4 for invalid CNI_ARGS.
func loadConfig(args *skel.CmdArgs) (*config, error) {
	var nc netConf
	if err := json.Unmarshal(args.StdinData, &nc); err != nil {
		return nil, types.NewError(types.ErrDecodingFailure,
			fmt.Sprintf("host-local: decoding the network configuration: %v", err), "")
	}
	ipam, _, err := allocator.LoadIPAMConfig(args.StdinData, "")
	if err != nil {
		return nil, types.NewError(types.ErrInvalidNetworkConfig,
			fmt.Sprintf("host-local: network %q: invalid configuration: %v", nc.Name, err), "")
	}
	fromEnv, err := parseEnvIPs(args.Args)
	if err != nil {
		return nil, types.NewError(types.ErrInvalidEnvironmentVariables,
			fmt.Sprintf("host-local: network %q: %v", nc.Name, err), "")
	}
	// CONVENTIONS.md: a plugin that understands args.cni.ips ignores the
	// equivalent CNI_ARGS field when both are given.
	if nc.Args == nil || nc.Args.CNI == nil || len(nc.Args.CNI.IPs) == 0 {
		ipam.IPArgs = append(fromEnv, ipam.IPArgs...)
	}
	if ipam.DataDir == "" {
		ipam.DataDir = defaultDataDir
	}
	return &config{IPAMConfig: ipam, NetConf: nc.PluginConf}, nil
}

// parseEnvIPs returns the addresses of the IP key in CNI_ARGS, each an
// address with an optional prefix length, which is ignored.
func parseEnvIPs(cniArgs string) ([]net.IP, error) {
	var env envArgs
	if err := types.LoadArgs(cniArgs, &env); err != nil {
		return nil, fmt.Errorf("CNI_ARGS: %w", err)
	}
	if env.IP == "" {
		return nil, nil
	}
	var ips []net.IP
	for _, field := range strings.Split(string(env.IP), ",") {
		parsed := ip.ParseIP(strings.TrimSpace(field))
		if parsed == nil || parsed.ToIP() == nil {
			return nil, fmt.Errorf("CNI_ARGS IP=%s: %q is not an IP address", env.IP, field)
		}
		ips = append(ips, parsed.ToIP())
	}
	return ips, nil
}
