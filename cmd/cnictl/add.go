package main

import (
	"github.com/spf13/cobra"
)

func newAddCommand(a *app) *cobra.Command {
	var f attachFlags
	cmd := &cobra.Command{
		Use:   "add NETWORK NETNS",
		Short: "Attach a network namespace to a network (CNI ADD)",
		Long: `Attach a network namespace to a network: run ADD on every plugin of the
network in order and print the result.

NETNS is a path (/proc/1234/ns/net, /var/run/netns/foo) or the name of a
namespace under --netns-dir. Unless --container-id is given, the container
ID is derived from the netns path as cnitool derives it.

When a plugin fails, the plugins that ran are deleted again (rollback) and
the error says whether that worked.`,
		Example: `  cnictl add mynet blue
  cnictl add mynet /var/run/netns/blue --ifname net1 --publish 8080:80/tcp
  cnictl -o json add mynet blue --ip 10.22.0.5/16 --mac 02:00:00:00:00:05`,
		Args:              exactArgs("NETWORK", "NETNS"),
		ValidArgsFunction: a.completeNetworks(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, rt, err := a.attachment(cmd, &f, args)
			if err != nil {
				return err
			}
			result, err := a.cni().Add(cmd.Context(), list, rt)
			if err != nil {
				return err
			}
			return a.out.Action(resultView{result})
		},
	}
	f.register(cmd.Flags())
	return cmd
}
