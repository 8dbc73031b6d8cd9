package macvlan

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/containernetworking/plugins/pkg/utils/sysctl"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
)

// cmdAdd creates and configures the macvlan and prints the result at the
// configuration's cniVersion.
func cmdAdd(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	result, err := add(conf, args)
	if err != nil {
		return fmt.Errorf("macvlan: %s: %w", plugins.Describe(conf.Name, args), err)
	}
	return types.PrintResult(result, conf.CNIVersion)
}

// add creates the macvlan and, with IPAM, gives it its addresses and
// routes; without IPAM it only brings it up. On failure it removes the
// macvlan and releases the addresses.
func add(conf *netConf, args *skel.CmdArgs) (_ *current.Result, retErr error) {
	netns, err := ns.GetNS(args.Netns)
	if err != nil {
		return nil, fmt.Errorf("opening netns %q: %w", args.Netns, err)
	}
	defer netns.Close()
	iface, err := createMacvlan(conf, args.IfName, netns)
	if err != nil {
		return nil, err
	}
	defer func() {
		if retErr == nil {
			return
		}
		if err := netns.Do(func(ns.NetNS) error { return deleteMacvlan(args.IfName) }); err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()
	result := &current.Result{
		CNIVersion: current.ImplementedSpecVersion,
		Interfaces: []*current.Interface{iface},
		DNS:        conf.DNS,
	}
	if conf.IPAM.Type == "" {
		err = netns.Do(func(ns.NetNS) error { return linkUp(args.IfName) })
	} else {
		err = configureL3(conf, args, netns, result)
	}
	if err != nil {
		return nil, err
	}
	return result, nil
}

// configureL3 gets the addresses from IPAM and gives them, with the
// routes, to the macvlan. On failure, the IPAM plugin's own included, it
// releases the addresses: an IPAM plugin may fail after allocating
// (SPEC.md, section 4, "Delegated plugin execution procedure").
func configureL3(conf *netConf, args *skel.CmdArgs, netns ns.NetNS, result *current.Result) (retErr error) {
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
		return fmt.Errorf("IPAM plugin %q: %w", conf.IPAM.Type, err)
	}
	ipamResult, err := current.NewResultFromResult(r)
	if err != nil {
		return fmt.Errorf("converting the IPAM result: %w", err)
	}
	if len(ipamResult.IPs) == 0 {
		return fmt.Errorf("IPAM plugin %q returned no IP configuration", conf.IPAM.Type)
	}
	result.IPs, result.Routes = ipamResult.IPs, ipamResult.Routes
	for _, ipc := range result.IPs {
		ipc.Interface = current.Int(0)
	}
	return netns.Do(func(ns.NetNS) error {
		// Announce the new addresses, as the reference does; a kernel
		// without these settings works all the same.
		_, _ = sysctl.Sysctl(fmt.Sprintf("net/ipv4/conf/%s/arp_notify", args.IfName), "1")
		_, _ = sysctl.Sysctl(fmt.Sprintf("net/ipv6/conf/%s/ndisc_notify", args.IfName), "1")
		if err := ipam.ConfigureIface(args.IfName, result); err != nil {
			return fmt.Errorf("configuring %s: %w", args.IfName, err)
		}
		return nil
	})
}

// linkUp brings ifName up.
func linkUp(ifName string) error {
	link, err := netlinksafe.LinkByName(ifName)
	if err != nil {
		return fmt.Errorf("finding %s: %w", ifName, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("bringing %s up: %w", ifName, err)
	}
	return nil
}
