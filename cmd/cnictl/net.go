package main

import (
	"github.com/spf13/cobra"
)

func newNetCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "net",
		Short: "List and inspect the networks of the configuration directory",
		Args:  noSubcommandArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newNetLsCommand(a), newNetInspectCommand(a))
	return cmd
}
