package main

import (
	"github.com/spf13/cobra"
)

func newCheckCommand(a *app) *cobra.Command {
	var f attachFlags
	cmd := &cobra.Command{
		Use:   "check NETWORK NETNS",
		Short: "Check that an attachment is still as ADD left it (CNI CHECK)",
		Long: `Check an attachment: run CHECK on every plugin of the network in order,
with the result cached by the ADD. The CNI_ARGS and capability args of the
ADD are replayed. Networks with cniVersion below 0.4.0 have no CHECK;
networks that set disableCheck pass at once.`,
		Example:           `  cnictl check mynet blue`,
		Args:              exactArgs("NETWORK", "NETNS"),
		ValidArgsFunction: a.completeNetworks(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, rt, err := a.attachment(cmd, &f, args)
			if err != nil {
				return err
			}
			if err := a.cni().Check(cmd.Context(), list, rt); err != nil {
				return err
			}
			result := "ok"
			if list.DisableCheck {
				result = "skipped (disableCheck)"
			}
			return a.out.Action(newAttachmentOutcome("CHECK", list, rt, result))
		},
	}
	f.register(cmd.Flags())
	return cmd
}
