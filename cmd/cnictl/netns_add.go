package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newNetnsAddCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "add NAME",
		Short: "Create a named network namespace with lo up",
		Args:  exactArgs("NAME"),
		RunE: func(_ *cobra.Command, args []string) error {
			path, err := a.netns().Create(args[0])
			if err != nil {
				return err
			}
			return a.out.Action(netnsOutcome{Name: args[0], Path: path, Result: "created"})
		},
	}
}

// netnsOutcome is what netns add and del print.
type netnsOutcome struct {
	Name   string `json:"name"`
	Path   string `json:"path,omitempty"`
	Result string `json:"result"`
}

func (o netnsOutcome) writeTable(w io.Writer) error {
	text := fmt.Sprintf("netns %q %s", o.Name, o.Result)
	if o.Path != "" {
		text += ": " + o.Path
	}
	if _, err := fmt.Fprintln(w, text); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}
