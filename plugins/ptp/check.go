package ptp

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/cnictl/cnictl/plugins"
)

// cmdCheck verifies the attachment against prevResult: the IPAM plugin's
// own CHECK, both ends of the veth pair, the container's addresses and
// routes, the host end's gateway addresses and routes, and the NAT rules.
func cmdCheck(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := check(conf, args); err != nil {
		return fmt.Errorf("ptp: %s: %w", plugins.Describe(conf.Name, args), err)
	}
	return nil
}

func check(conf *netConf, args *skel.CmdArgs) error {
	netns, err := ns.GetNS(args.Netns)
	if err != nil {
		return fmt.Errorf("opening netns %q: %w", args.Netns, err)
	}
	defer netns.Close()
	if err := ipam.ExecCheck(conf.IPAM.Type, args.StdinData); err != nil {
		return fmt.Errorf("IPAM plugin %q: %w", conf.IPAM.Type, err)
	}
	result, err := plugins.PrevResult(&conf.PluginConf)
	if err != nil {
		return err
	}
	if result == nil {
		return errors.New("required prevResult missing")
	}
	cont, host, err := splitInterfaces(result, args)
	if err != nil {
		return err
	}
	err = netns.Do(func(ns.NetNS) error {
		if err := checkVeth(cont); err != nil {
			return fmt.Errorf("container interface: %w", err)
		}
		if err := ip.ValidateExpectedInterfaceIPs(args.IfName, result.IPs); err != nil {
			return fmt.Errorf("container addresses: %w", err)
		}
		if err := ip.ValidateExpectedRoute(result.Routes); err != nil {
			return fmt.Errorf("container routes: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("netns %s: %w", args.Netns, err)
	}
	if err := checkVeth(host); err != nil {
		return fmt.Errorf("host interface: %w", err)
	}
	if err := checkHost(host.Name, result.IPs); err != nil {
		return err
	}
	if conf.IPMasq {
		return checkMasq(conf, args, result.IPs)
	}
	return nil
}

// splitInterfaces finds in result the container interface of the
// attachment and the host end of the pair.
func splitInterfaces(result *current.Result, args *skel.CmdArgs) (cont, host *current.Interface, err error) {
	for _, intf := range result.Interfaces {
		switch {
		case intf.Name == args.IfName && intf.Sandbox == args.Netns:
			cont = intf
		case intf.Sandbox == "" && host == nil:
			host = intf
		}
	}
	if cont == nil {
		return nil, nil, fmt.Errorf("prevResult has no interface %q in netns %s", args.IfName, args.Netns)
	}
	if host == nil {
		return nil, nil, errors.New("prevResult has no host interface")
	}
	return cont, host, nil
}
