package main

import (
	"github.com/spf13/cobra"
)

// Shell completion of arguments; "cnictl completion SHELL" (cobra's own
// command) prints the scripts that use it. Completion runs no command, so
// each function applies the global flags and their environment fallbacks
// itself.

// completeNetworks completes network names of the configuration directory:
// for every argument, or only the first when the second is a netns.
func (a *app) completeNetworks(thenNetns bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if thenNetns && len(args) == 1 {
			return a.completeNetns(cmd, nil, "")
		}
		if thenNetns && len(args) > 1 || a.setup(cmd.Flags()) != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cat, err := a.catalog()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := make([]cobra.Completion, 0, len(cat.Networks))
		for _, n := range cat.Networks {
			names = append(names, n.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeNetns completes the names of the namespace directory; a path can
// be typed too, so file completion stays on.
func (a *app) completeNetns(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if a.setup(cmd.Flags()) != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	list, err := a.netns().List()
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	names := make([]cobra.Completion, 0, len(list))
	for _, n := range list {
		names = append(names, n.Name)
	}
	return names, cobra.ShellCompDirectiveDefault
}
