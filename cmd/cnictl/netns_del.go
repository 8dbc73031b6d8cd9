package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

func newNetnsDelCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:               "del NAME...",
		Aliases:           []string{"delete", "rm"},
		Short:             "Delete named network namespaces; one that is gone already is not an error",
		Args:              minArgs(1, "at least one NAME"),
		ValidArgsFunction: a.completeNetns,
		RunE: func(_ *cobra.Command, args []string) error {
			m := a.netns()
			var out netnsOutcomes
			var errs []error
			for _, name := range args {
				if err := m.Delete(name); err != nil {
					errs = append(errs, err)
					continue
				}
				out = append(out, netnsOutcome{Name: name, Result: "deleted"})
			}
			if len(out) > 0 {
				if err := a.out.Action(out); err != nil {
					return err
				}
			}
			return errors.Join(errs...)
		},
	}
}

// netnsOutcomes are the namespaces that netns del deleted.
type netnsOutcomes []netnsOutcome

func (o netnsOutcomes) writeTable(w io.Writer) error {
	for _, n := range o {
		if err := n.writeTable(w); err != nil {
			return err
		}
	}
	return nil
}
