package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/libcni"
)

// errNetworkInUse refuses to remove a network with attachments.
var errNetworkInUse = errors.New("network has attachments")

func newNetRmCommand(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm NAME",
		Aliases: []string{"remove"},
		Short:   "Remove a network's configuration file",
		Long: `Remove the configuration file of network NAME from the configuration
directory. While containers are attached to the network (cached
attachments, whichever tool made them) it refuses, unless --force, which
first deletes every attachment (CNI DEL with its cached parameters).
The network's bridge device goes too once no port is left on it, if the
bundled bridge plugin created it and no other network uses it.
The built-in network has no file and cannot be removed.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			list, err := cat.Get(name)
			if err != nil {
				return err
			}
			if list.Source == builtinSource {
				return usagef("network %q is built in; it has no file to remove", name)
			}
			entries, _ := a.store().List()
			var attached []*libcni.RuntimeConf
			for _, e := range entries {
				if e.NetworkName == name {
					attached = append(attached, &libcni.RuntimeConf{ContainerID: e.ContainerID, NetNS: e.NetNS, IfName: e.IfName})
				}
			}
			if len(attached) > 0 && !force {
				return fmt.Errorf("%w: %d attachment(s) of %q (see 'cnictl ls'); delete them or use --force", errNetworkInUse, len(attached), name)
			}
			cni := a.cni()
			for _, rt := range attached {
				if err := cni.Del(cmd.Context(), list, rt); err != nil {
					return fmt.Errorf("removing network %q: %w", name, err)
				}
			}
			if err := os.Remove(list.Source); err != nil {
				return fmt.Errorf("removing network %q: %w", name, err)
			}
			// The plugin files of a conflist's sibling directory go too.
			sibling := filepath.Join(filepath.Dir(list.Source), name)
			if fi, err := os.Stat(sibling); err == nil && fi.IsDir() {
				a.out.Note("left %s in place: it may hold plugin configurations of other files", sibling)
			}
			// The network is gone already: a bridge that cannot be
			// removed is worth a warning, not a failure.
			if err := a.removeIdleBridges(cmd.Context(), list, cat.Networks); err != nil {
				a.out.Warn("%v", err)
			}
			return a.out.Action(netRemoved{Network: name, File: list.Source, Detached: len(attached)})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "delete the network's attachments first")
	return cmd
}

// netRemoved is what `net rm` prints.
type netRemoved struct {
	Network  string `json:"network"`
	File     string `json:"file"`
	Detached int    `json:"detached"`
}

func (n netRemoved) writeTable(w io.Writer) error {
	_, err := fmt.Fprintf(w, "removed network %q (%s), %d attachment(s) deleted\n", n.Network, n.File, n.Detached)
	return err
}
