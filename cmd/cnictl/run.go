package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/libcni"
)

func newRunCommand(a *app) *cobra.Command {
	var f attachFlags
	var networks []string
	var ifPrefix string
	cmd := &cobra.Command{
		Use:   "run --net NETWORK[,NETWORK...] [flags] -- CMD [ARGS...]",
		Short: "Run a command in a throwaway network namespace attached to networks",
		Long: `Create a throwaway network namespace, attach it to each network of --net in
order (interfaces eth0, eth1, ... with the default --ifname-prefix), run CMD
inside it with cnictl's standard input, output and error, then detach the
networks in reverse order and delete the namespace.

The cleanup always runs: when CMD fails, when an ADD fails, and on SIGINT
or SIGTERM, which are forwarded to CMD first. cnictl exits with CMD's exit
code, or with its own when the setup failed before CMD started.

The container ID is derived from the namespace path as cnitool derives it.`,
		Example: `  cnictl run --net mynet -- ip addr
  cnictl run --net front,back --publish 8080:80 -- ./server --port 80`,
		Args: minArgs(1, "a command to run"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.applyEnv(cmd.Flags())
			if len(networks) == 0 {
				return usagef("run needs --net NETWORK")
			}
			argv := commandArgs(args, 0)
			if len(argv) == 0 {
				return usagef("run wants a command to run")
			}
			return a.runAttached(cmd.Context(), networks, ifPrefix, &f, argv)
		},
	}
	cmd.Flags().StringSliceVar(&networks, "net", nil, "networks to attach, in order (comma-separated or repeated)")
	cmd.Flags().StringVar(&ifPrefix, "ifname-prefix", "eth", "interface names are this prefix and the network's position: eth0, eth1, ...")
	f.registerArgs(cmd.Flags())
	// Flags after CMD belong to it, as with "--".
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// runAttachment is an attachment that run made, for the cleanup.
type runAttachment struct {
	list *libcni.NetworkConfigList
	rt   *libcni.RuntimeConf
}

// runAttached implements run. Everything it makes is undone before it
// returns, on a context that the signals cannot cancel.
func (a *app) runAttached(ctx context.Context, networks []string, ifPrefix string, f *attachFlags, argv []string) (retErr error) {
	cat, err := a.catalog()
	if err != nil {
		return err
	}
	lists := make([]*libcni.NetworkConfigList, 0, len(networks))
	for _, name := range networks {
		list, err := cat.Get(strings.TrimSpace(name))
		if err != nil {
			return err
		}
		lists = append(lists, list)
	}
	cniArgs, err := f.parsedCNIArgs()
	if err != nil {
		return err
	}
	capArgs, err := f.capabilityArgs()
	if err != nil {
		return err
	}

	ns, err := a.netns().NewEphemeral("cnictl-run")
	if err != nil {
		return err
	}
	cni := a.cni()
	var attached []runAttachment
	defer func() {
		if err := a.runCleanup(ctx, cni, attached, ns.Close); err != nil {
			var child *childExitError
			switch {
			case retErr == nil:
				retErr = err
			case errors.As(retErr, &child):
				// The command's exit code is what the caller waits
				// for; the cleanup failure is reported next to it.
				a.out.Warn("%v", err)
			default:
				retErr = fmt.Errorf("%w; %v", retErr, err)
			}
		}
	}()

	containerID := defaultContainerID(ns.Path)
	for i, list := range lists {
		rt := &libcni.RuntimeConf{
			ContainerID:    containerID,
			NetNS:          ns.Path,
			IfName:         fmt.Sprintf("%s%d", ifPrefix, i),
			Args:           cniArgs,
			CapabilityArgs: capArgs,
		}
		result, err := cni.Add(ctx, list, rt)
		if err != nil {
			var le *libcni.Error
			if errors.As(err, &le) && le.Rollback != nil {
				// The ADD could not undo itself; DEL it again.
				attached = append(attached, runAttachment{list, rt})
			}
			return err
		}
		attached = append(attached, runAttachment{list, rt})
		ips, _ := resultIPs(result)
		a.out.Note("attached network %q as %s %s", list.Name, rt.IfName, strings.Join(ips, ","))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted before starting %s: %w", argv[0], err)
	}
	return runInNetns(ns.Path, argv, a.out.stdout, a.out.stderr)
}

// runCleanup deletes the attachments in reverse order and then the
// namespace, going on after a failure so that as much as possible is
// undone.
func (a *app) runCleanup(ctx context.Context, cni *libcni.CNI, attached []runAttachment, closeNetns func() error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), libcni.DefaultTeardownTimeout)
	defer cancel()
	var errs []error
	for i := len(attached) - 1; i >= 0; i-- {
		if err := cni.Del(ctx, attached[i].list, attached[i].rt); err != nil {
			errs = append(errs, err)
		}
	}
	if err := closeNetns(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("cleaning up: %w", errors.Join(errs...))
	}
	return nil
}
