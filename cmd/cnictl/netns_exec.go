package main

import (
	"github.com/spf13/cobra"
)

func newNetnsExecCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec NAME -- CMD [ARGS...]",
		Short: "Run a command inside a network namespace",
		Long: `Run CMD inside the network namespace NAME (a name under --netns-dir or a
path), with cnictl's standard input, output and error, like "ip netns
exec". cnictl exits with the command's exit code; SIGINT and SIGTERM are
forwarded to the command. Unlike "ip netns exec", /etc/netns/NAME is not
bind-mounted over /etc and /sys is not remounted.`,
		Example: `  cnictl netns exec blue -- ip addr
  cnictl netns exec /proc/1234/ns/net -- ping -c1 10.22.0.1`,
		Args: minArgs(2, "NAME and a command to run"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveDefault
			}
			return a.completeNetns(cmd, args, toComplete)
		},
		RunE: func(_ *cobra.Command, args []string) error {
			argv := commandArgs(args, 1)
			if len(argv) == 0 {
				return usagef("netns exec wants a command to run after NAME")
			}
			path, err := a.resolveNetns(args[0])
			if err != nil {
				return err
			}
			return runInNetns(path, argv, a.out.stdout, a.out.stderr)
		},
	}
	// Flags after NAME belong to the command, as with "--".
	cmd.Flags().SetInterspersed(false)
	return cmd
}
