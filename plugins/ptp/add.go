package ptp

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/ifplugin"
)

// cmdAdd connects the container and prints the result at the
// configuration's cniVersion.
func cmdAdd(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	result, err := add(conf, args)
	if err != nil {
		return fmt.Errorf("ptp: %s: %w", plugins.Describe(conf.Name, args), err)
	}
	return types.PrintResult(result, conf.CNIVersion)
}

// add allocates the addresses, builds the veth pair and the routes and
// sets up NAT. On failure it undoes whatever it did.
func add(conf *netConf, args *skel.CmdArgs) (_ *current.Result, retErr error) {
	// Any failure from here on, the IPAM plugin's own ADD included,
	// releases the addresses: an IPAM plugin may fail after allocating
	// (SPEC.md, section 4, "Delegated plugin execution procedure").
	defer func() {
		if retErr == nil {
			return
		}
		if err := ipam.ExecDel(conf.IPAM.Type, args.StdinData); err != nil {
			retErr = errors.Join(retErr, fmt.Errorf("releasing the addresses: IPAM plugin %q: %w", conf.IPAM.Type, err))
		}
	}()
	r, err := ipam.ExecAdd(conf.IPAM.Type, args.StdinData)
	if err != nil {
		return nil, fmt.Errorf("IPAM plugin %q: %w", conf.IPAM.Type, err)
	}
	result, err := current.NewResultFromResult(r)
	if err != nil {
		return nil, fmt.Errorf("converting the IPAM result: %w", err)
	}
	if err := checkIPs(result.IPs); err != nil {
		return nil, fmt.Errorf("IPAM plugin %q: %w", conf.IPAM.Type, err)
	}
	if err := ip.EnableForward(result.IPs); err != nil {
		return nil, fmt.Errorf("enabling IP forwarding: %w", err)
	}

	netns, err := ns.GetNS(args.Netns)
	if err != nil {
		return nil, fmt.Errorf("opening netns %q: %w", args.Netns, err)
	}
	defer netns.Close()
	hostName := hostVethName(conf.Name, args.ContainerID, args.IfName)
	if err := setupContainer(netns, args.IfName, hostName, conf.MTU, result); err != nil {
		return nil, err
	}
	defer func() {
		if retErr == nil {
			return
		}
		if _, err := deleteHostVeth(hostName); err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()
	if err := setupHost(hostName, result.IPs); err != nil {
		return nil, err
	}
	if conf.IPMasq {
		if err := setupMasq(conf, args, result.IPs); err != nil {
			return nil, errors.Join(err, teardownMasq(conf, args))
		}
	}
	// DNS settings of the configuration, if any, win over the IPAM's.
	if ifplugin.DNSSet(conf.DNS) {
		result.DNS = conf.DNS
	}
	return result, nil
}

// checkIPs fails unless IPAM returned at least one address and a gateway
// with each, the host end's address.
func checkIPs(ips []*current.IPConfig) error {
	if len(ips) == 0 {
		return errors.New("returned no IP configuration")
	}
	for _, ipc := range ips {
		if ipc.Gateway == nil {
			return fmt.Errorf("returned %s without a gateway: ptp needs one for the host end", ipc.Address.String())
		}
	}
	return nil
}
