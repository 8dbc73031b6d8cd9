package macvlan

import (
	"context"
	"fmt"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/plugins/pkg/ipam"

	"github.com/cnictl/cnictl/plugins"
)

// cmdGC hands GC to the IPAM plugin, if there is one, as a plugin MUST
// forward GC to its delegated plugins (SPEC.md, section 2, GC): the
// macvlans of stale attachments went away with their namespaces.
func cmdGC(args *skel.CmdArgs) error {
	conf, err := parseConfig(args.StdinData)
	if err != nil {
		return err
	}
	if conf.IPAM.Type == "" {
		return nil
	}
	if err := invoke.DelegateGC(context.Background(), conf.IPAM.Type, args.StdinData, nil); err != nil {
		return fmt.Errorf("macvlan: network %q: garbage collection: IPAM plugin %q: %w", conf.Name, conf.IPAM.Type, err)
	}
	return nil
}

// cmdStatus reports the plugin unavailable when the master, or the
// interface of the default route, is missing from the host, and otherwise
// hands STATUS to the IPAM plugin, if there is one, which ADD then relies
// on (SPEC.md, section 2, STATUS). A master in the container's namespace
// cannot be checked without a container.
func cmdStatus(args *skel.CmdArgs) error {
	conf, err := parseConfig(args.StdinData)
	if err != nil {
		return err
	}
	if !conf.LinkContNs {
		if err := masterPresent(conf); err != nil {
			return types.NewError(plugins.ErrPluginNotAvailable, fmt.Sprintf("macvlan: network %q: %v", conf.Name, err), "")
		}
	}
	if conf.IPAM.Type == "" {
		return nil
	}
	if err := ipam.ExecStatus(conf.IPAM.Type, args.StdinData); err != nil {
		return fmt.Errorf("macvlan: network %q: IPAM plugin %q: %w", conf.Name, conf.IPAM.Type, err)
	}
	return nil
}

// masterPresent fails unless the host has the master or, without one in
// the configuration, a default route.
func masterPresent(conf *netConf) error {
	if conf.Master == "" {
		_, err := defaultRouteInterface("", false)
		return err
	}
	_, err := findMaster(conf.Master, "", false)
	return err
}
