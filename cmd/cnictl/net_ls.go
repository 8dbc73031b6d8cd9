package main

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/libcni"
)

func newNetLsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the networks of the configuration directory, the invalid files too",
		Long: `List every network configuration file of --conf-dir in the order a runtime
reads them (.conflist first, then .conf and .json, each in lexical order):
the network name, the file, the cniVersion, the chain of plugin types, and
whether the file is valid or why not.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			return a.out.Print(newNetList(cat))
		},
	}
}

// netList is every file of the configuration directory.
type netList struct {
	Dir      string     `json:"dir"`
	Networks []netEntry `json:"networks"`
}

type netEntry struct {
	Name       string   `json:"name"`
	File       string   `json:"file"`
	CNIVersion string   `json:"cniVersion,omitempty"`
	Plugins    []string `json:"plugins"`
	// Status is "valid" or "invalid"; Reason says why a file is invalid.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

func newNetList(cat *libcni.Catalog) netList {
	l := netList{Dir: cat.Dir, Networks: []netEntry{}}
	for _, n := range cat.Networks {
		l.Networks = append(l.Networks, netEntry{
			Name:       n.Name,
			File:       n.Source,
			CNIVersion: n.CNIVersion,
			Plugins:    pluginTypes(n),
			Status:     "valid",
		})
	}
	for _, inv := range cat.Invalid {
		l.Networks = append(l.Networks, netEntry{
			Name:    inv.Name,
			File:    inv.File,
			Plugins: []string{},
			Status:  "invalid",
			Reason:  inv.Error(),
		})
	}
	return l
}

// pluginTypes is the chain of a network, by plugin type.
func pluginTypes(n *libcni.NetworkConfigList) []string {
	types := make([]string, 0, len(n.Plugins))
	for _, p := range n.Plugins {
		types = append(types, p.Network.Type)
	}
	return types
}

func (l netList) writeTable(w io.Writer) error {
	rows := make([][]string, 0, len(l.Networks))
	for _, n := range l.Networks {
		status := n.Status
		if n.Reason != "" {
			status += ": " + n.Reason
		}
		rows = append(rows, []string{n.Name, n.File, n.CNIVersion, strings.Join(n.Plugins, ","), status})
	}
	return writeTable(w, []string{"NAME", "FILE", "CNIVERSION", "PLUGINS", "STATUS"}, rows)
}
