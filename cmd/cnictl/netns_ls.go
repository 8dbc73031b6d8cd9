package main

import (
	"io"
	"strconv"

	"github.com/spf13/cobra"
)

func newNetnsLsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the named network namespaces",
		Long: `List the entries of --netns-dir with the namespace's inode number (the
number of "net:[...]" in /proc/PID/ns/net); "-" marks an entry that is
not a mounted namespace.`,
		Args: exactArgs(),
		RunE: func(_ *cobra.Command, _ []string) error {
			list, err := a.netns().List()
			if err != nil {
				return err
			}
			v := netnsList{Namespaces: make([]netnsEntry, 0, len(list))}
			for _, n := range list {
				v.Namespaces = append(v.Namespaces, netnsEntry{Name: n.Name, Path: n.Path, Inode: n.Inode})
			}
			return a.out.Print(v)
		},
	}
}

// netnsList is the namespaces of the namespace directory.
type netnsList struct {
	Namespaces []netnsEntry `json:"namespaces"`
}

type netnsEntry struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// Inode is 0 for an entry that is not a mounted namespace.
	Inode uint64 `json:"inode"`
}

func (l netnsList) writeTable(w io.Writer) error {
	rows := make([][]string, 0, len(l.Namespaces))
	for _, n := range l.Namespaces {
		inode := ""
		if n.Inode != 0 {
			inode = strconv.FormatUint(n.Inode, 10)
		}
		rows = append(rows, []string{n.Name, n.Path, inode})
	}
	return writeTable(w, []string{"NAME", "PATH", "INODE"}, rows)
}
