package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/libcni"
)

func newNetInspectCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect NETWORK",
		Short: "Show a network's configuration and check that its plugins can run it",
		Long: `Show a network as a runtime loads it: the file, the selected cniVersion,
disableCheck and disableGC, and each plugin with its type and
capabilities. The network is validated too: every plugin must be installed
in the plugin directories and support the network's cniVersion (asked with
VERSION). JSON output includes the configuration as read.

The exit code is 5 when the network is not valid.`,
		Example: `  cnictl net inspect mynet
  cnictl -o json net inspect mynet | jq .config`,
		Args:              exactArgs("NETWORK"),
		ValidArgsFunction: a.completeNetworks(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := a.network(args[0])
			if err != nil {
				return err
			}
			v := newNetDetail(list)
			validateErr := a.cni().Validate(cmd.Context(), list)
			if validateErr != nil {
				v.Validation = "invalid"
				v.ValidationError = errorInfoPtr(validateErr)
			}
			if err := a.out.Print(v); err != nil {
				return err
			}
			if validateErr != nil {
				return &reportedError{summary: fmt.Sprintf("network %q is not valid", list.Name), err: validateErr}
			}
			return nil
		},
	}
}

// netDetail is one network as a runtime loads it.
type netDetail struct {
	Name         string         `json:"name"`
	File         string         `json:"file"`
	CNIVersion   string         `json:"cniVersion"`
	DisableCheck bool           `json:"disableCheck"`
	DisableGC    bool           `json:"disableGC"`
	Plugins      []pluginDetail `json:"plugins"`
	// Validation is "valid" or "invalid", with the reason in
	// ValidationError.
	Validation      string          `json:"validation"`
	ValidationError *errorInfo      `json:"validationError,omitempty"`
	Config          json.RawMessage `json:"config"`
}

type pluginDetail struct {
	Index        int      `json:"index"`
	Type         string   `json:"type"`
	Capabilities []string `json:"capabilities"`
}

func newNetDetail(list *libcni.NetworkConfigList) netDetail {
	d := netDetail{
		Name:         list.Name,
		File:         list.Source,
		CNIVersion:   list.CNIVersion,
		DisableCheck: list.DisableCheck,
		DisableGC:    list.DisableGC,
		Validation:   "valid",
		Config:       json.RawMessage(list.Bytes),
	}
	for i, p := range list.Plugins {
		caps := []string{}
		for name, enabled := range p.Network.Capabilities {
			if enabled {
				caps = append(caps, name)
			}
		}
		slices.Sort(caps)
		d.Plugins = append(d.Plugins, pluginDetail{Index: i, Type: p.Network.Type, Capabilities: caps})
	}
	return d
}

func (d netDetail) writeTable(w io.Writer) error {
	validation := d.Validation
	if d.ValidationError != nil {
		validation += ": " + d.ValidationError.Msg
	}
	err := writeFields(w, [][2]string{
		{"Name", d.Name},
		{"File", d.File},
		{"CNI version", d.CNIVersion},
		{"Disable check", strconv.FormatBool(d.DisableCheck)},
		{"Disable GC", strconv.FormatBool(d.DisableGC)},
		{"Validation", validation},
	})
	if err != nil {
		return err
	}
	if err := section(w, "Plugins:"); err != nil {
		return err
	}
	rows := make([][]string, 0, len(d.Plugins))
	for _, p := range d.Plugins {
		rows = append(rows, []string{strconv.Itoa(p.Index), p.Type, strings.Join(p.Capabilities, ",")})
	}
	return writeTable(w, []string{"#", "TYPE", "CAPABILITIES"}, rows)
}
