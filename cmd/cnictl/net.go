package main

import (
	"github.com/spf13/cobra"
)

func newNetCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "net",
		Short: "List, inspect, create and remove networks",
		Args:  noSubcommandArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newNetLsCommand(a), newNetInspectCommand(a), newNetCreateCommand(a), newNetRmCommand(a))
	return cmd
}
