package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/cache"
)

func newInspectCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect CONTAINERID",
		Short: "Show every cached attachment of a container in full",
		Long: `Show every attachment of a container recorded in the cache directory:
network, interface, network namespace, the CNI_ARGS and capability args of
the ADD and the full cached result.

The exit code is 8 when the cache holds no attachment of the container.`,
		Example: `  cnictl inspect cnitool-0123456789abcdef0123
  cnictl -o json inspect cnitool-0123456789abcdef0123 | jq '.attachments[].result'`,
		Args: exactArgs("CONTAINERID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			store := a.store()
			entries, errs := store.List()
			warnCorrupt(a.out, corruptEntries(errs))
			v := containerDetail{ContainerID: args[0], Attachments: []attachmentDetail{}}
			for _, e := range entries {
				if e.ContainerID != args[0] {
					continue
				}
				d, err := newAttachmentDetail(store, e)
				if err != nil {
					a.out.Warn("%v", err)
				}
				v.Attachments = append(v.Attachments, d)
			}
			if len(v.Attachments) == 0 {
				return fmt.Errorf("container %q in %s: %w", args[0], store.Dir(), errNoAttachments)
			}
			return a.out.Print(v)
		},
	}
}

// containerDetail is every cached attachment of one container.
type containerDetail struct {
	ContainerID string             `json:"containerID"`
	Attachments []attachmentDetail `json:"attachments"`
}

type attachmentDetail struct {
	Network        string         `json:"network"`
	IfName         string         `json:"ifName"`
	NetNS          string         `json:"netns"`
	CNIArgs        [][2]string    `json:"cniArgs"`
	CapabilityArgs map[string]any `json:"capabilityArgs"`
	// Complete is false when the ADD that made the entry did not finish;
	// Result is then null.
	Complete bool            `json:"complete"`
	Result   json.RawMessage `json:"result"`
	Cached   *time.Time      `json:"cached,omitempty"`

	// result is the decoded Result for the table, nil when there is none
	// or it cannot be decoded.
	result types.Result
}

// newAttachmentDetail describes a cache entry; the error says why its
// result cannot be decoded, the detail is usable anyway.
func newAttachmentDetail(store *cache.Store, e *cache.Entry) (attachmentDetail, error) {
	d := attachmentDetail{
		Network:        e.NetworkName,
		IfName:         e.IfName,
		NetNS:          e.NetNS,
		CNIArgs:        e.CniArgs,
		CapabilityArgs: e.CapabilityArgs,
		Complete:       e.Complete(),
		Result:         json.RawMessage("null"),
	}
	if t, ok := cachedAt(store, e); ok {
		d.Cached = &t
	}
	if !d.Complete {
		return d, nil
	}
	raw, err := json.Marshal(e.RawResult)
	if err != nil {
		return d, fmt.Errorf("cached result of %s: %w", e.Key(), err)
	}
	d.Result = raw
	if d.result, err = e.Result(""); err != nil {
		return d, err
	}
	return d, nil
}

func (v containerDetail) writeTable(w io.Writer) error {
	for i, d := range v.Attachments {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
		}
		if err := d.writeTable(w, v.ContainerID); err != nil {
			return err
		}
	}
	return nil
}

func (d attachmentDetail) writeTable(w io.Writer, containerID string) error {
	capArgs := ""
	if len(d.CapabilityArgs) > 0 {
		data, err := json.Marshal(d.CapabilityArgs)
		if err != nil {
			return fmt.Errorf("encoding capability args: %w", err)
		}
		capArgs = string(data)
	}
	cached := ""
	if d.Cached != nil {
		cached = fmt.Sprintf("%s (%s ago)", d.Cached.Format(time.RFC3339), humanAge(time.Since(*d.Cached)))
	}
	state := "complete"
	if !d.Complete {
		state = "ADD unfinished: no result"
	}
	err := writeFields(w, [][2]string{
		{"Container ID", containerID},
		{"Network", d.Network},
		{"Interface", d.IfName},
		{"Netns", d.NetNS},
		{"CNI args", formatCNIArgs(d.CNIArgs)},
		{"Capability args", capArgs},
		{"Cached", cached},
		{"State", state},
	})
	if err != nil || d.result == nil {
		return err
	}
	if err := section(w, "Result:"); err != nil {
		return err
	}
	return writeResult(w, d.result)
}
