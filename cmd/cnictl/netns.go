package main

import (
	"github.com/spf13/cobra"
)

func newNetnsCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "netns",
		Short: "Manage named network namespaces (like ip netns)",
		Long: `Manage the named network namespaces of --netns-dir, the ones "ip netns"
shows: each is a bind mount of a namespace on a file of that directory.`,
		Args: noSubcommandArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		newNetnsAddCommand(a),
		newNetnsDelCommand(a),
		newNetnsLsCommand(a),
		newNetnsExecCommand(a),
	)
	return cmd
}
