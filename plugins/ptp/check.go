package ptp

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/ifplugin"
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

// check does the work of CHECK.
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
	if err := ifplugin.CheckContainer(netns, cont, result, checkVeth); err != nil {
		return err
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
	if cont, err = ifplugin.ContainerInterface(result, args); err != nil {
		return nil, nil, err
	}
	for _, intf := range result.Interfaces {
		if intf.Sandbox == "" {
			return cont, intf, nil
		}
	}
	return nil, nil, errors.New("prevResult has no host interface")
}
