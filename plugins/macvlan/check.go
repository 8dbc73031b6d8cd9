package macvlan

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/ifplugin"
)

// cmdCheck verifies the attachment against prevResult: the IPAM plugin's
// own CHECK, the master, the macvlan's mode and MAC address, and the
// container's addresses and routes.
func cmdCheck(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := check(conf, args); err != nil {
		return fmt.Errorf("macvlan: %s: %w", plugins.Describe(conf.Name, args), err)
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
	if conf.IPAM.Type != "" {
		if err := ipam.ExecCheck(conf.IPAM.Type, args.StdinData); err != nil {
			return fmt.Errorf("IPAM plugin %q: %w", conf.IPAM.Type, err)
		}
	}
	result, err := plugins.PrevResult(&conf.PluginConf)
	if err != nil {
		return err
	}
	if result == nil {
		return errors.New("required prevResult missing")
	}
	cont, err := ifplugin.ContainerInterface(result, args)
	if err != nil {
		return err
	}
	mode, err := modeFromString(conf.Mode)
	if err != nil {
		return err
	}
	return ifplugin.CheckContainer(netns, cont, result, func(intf *current.Interface) error {
		return checkMacvlan(intf, mode)
	})
}

// checkMacvlan verifies that the interface of the current namespace named
// by intf is a macvlan in mode with intf's MAC address, if it has one.
func checkMacvlan(intf *current.Interface, mode netlink.MacvlanMode) error {
	link, err := netlinksafe.LinkByName(intf.Name)
	if err != nil {
		return fmt.Errorf("finding %s: %w", intf.Name, err)
	}
	mv, ok := link.(*netlink.Macvlan)
	if !ok {
		return fmt.Errorf("%s is a %s, not a macvlan", intf.Name, link.Type())
	}
	if mv.Mode != mode {
		return fmt.Errorf("%s is in macvlan mode %s, the configuration says %s", intf.Name, modeToString(mv.Mode), modeToString(mode))
	}
	if mac := link.Attrs().HardwareAddr.String(); intf.Mac != "" && intf.Mac != mac {
		return fmt.Errorf("%s has MAC %s, prevResult says %s", intf.Name, mac, intf.Mac)
	}
	return nil
}
