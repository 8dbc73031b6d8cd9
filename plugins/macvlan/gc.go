package macvlan

import (
	"context"
	"fmt"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/plugins/pkg/ipam"
)

// cmdGC hands GC to the IPAM plugin, if there is one: the macvlans of
// stale attachments went away with their namespaces.
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

// errPluginNotAvailable is the CNI error code of STATUS for a plugin that
// cannot serve ADD (SPEC.md, section 5).
const errPluginNotAvailable uint = 50

// cmdStatus reports the plugin unavailable when the master, or the
// interface of the default route, is missing from the host, and otherwise
// hands STATUS to the IPAM plugin, if there is one. A master in the
// container's namespace cannot be checked without a container.
func cmdStatus(args *skel.CmdArgs) error {
	conf, err := parseConfig(args.StdinData)
	if err != nil {
		return err
	}
	if !conf.LinkContNs {
		if err := masterPresent(conf); err != nil {
			return types.NewError(errPluginNotAvailable, fmt.Sprintf("macvlan: network %q: %v", conf.Name, err), "")
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
