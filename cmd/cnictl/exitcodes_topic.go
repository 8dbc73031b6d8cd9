package main

import (
	"github.com/spf13/cobra"
)

// newExitCodesTopic is the help topic "cnictl help exit-codes".
func newExitCodesTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "exit-codes",
		Short: "Exit codes and the JSON error format, for scripts",
		Long:  exitCodesHelp,
	}
}
