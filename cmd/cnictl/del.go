package main

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/utils"
	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/cache"
	"github.com/cnictl/cnictl/libcni"
)

func newDelCommand(a *app) *cobra.Command {
	var f attachFlags
	cmd := &cobra.Command{
		Use:   "del NETWORK NETNS",
		Short: "Detach a network namespace from a network (CNI DEL)",
		Long: `Detach a network namespace from a network: run DEL on every plugin of the
network in reverse order, with the result, CNI_ARGS and capability args
cached by the ADD.

DEL works after the namespace is gone: NETNS is then taken as given (a
path) or as <netns-dir>/NETNS (a name), which yields the same container ID
as the ADD. When the network is no longer in the configuration directory,
the configuration cached with the attachment is used.`,
		Example: `  cnictl del mynet blue
  cnictl del mynet /var/run/netns/blue --ifname net1`,
		Args:              exactArgs("NETWORK", "NETNS"),
		ValidArgsFunction: a.completeNetworks(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.applyEnv(cmd.Flags())
			rt, err := f.runtimeConf(a.netnsPathForDel(args[1]))
			if err != nil {
				return err
			}
			list, err := a.network(args[0])
			if err == nil && list.Source == builtinSource {
				// The built-in network's subnet follows the host's
				// routes; delete with what the ADD used.
				if cached, _ := a.cachedNetwork(args[0], rt); cached != nil {
					list = cached
				}
			}
			if err != nil {
				cached, cacheErr := a.cachedNetwork(args[0], rt)
				if cacheErr != nil {
					return fmt.Errorf("%w; the configuration cached with the attachment cannot be used either: %v", err, cacheErr)
				}
				if cached == nil {
					return err
				}
				a.out.Note("%v; using the configuration cached with the attachment", err)
				list = cached
			}
			if err := a.cni().Del(cmd.Context(), list, rt); err != nil {
				return err
			}
			return a.out.Action(newAttachmentOutcome("DEL", list, rt, "ok"))
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// cachedNetwork returns the network configuration cached with the
// attachment of rt to network, nil when there is no such entry (or the
// parameters are not valid, so that there cannot be one).
func (a *app) cachedNetwork(network string, rt *libcni.RuntimeConf) (*libcni.NetworkConfigList, error) {
	// The key becomes a file name: only valid parts may go into it.
	if utils.ValidateNetworkName(network) != nil || utils.ValidateContainerID(rt.ContainerID) != nil || utils.ValidateInterfaceName(rt.IfName) != nil {
		return nil, nil
	}
	entry, err := a.store().Get(cache.Key{Network: network, ContainerID: rt.ContainerID, IfName: rt.IfName})
	if errors.Is(err, cache.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return libcni.ConfListFromCache(entry)
}
