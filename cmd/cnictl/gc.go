package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/cache"
	"github.com/cnictl/cnictl/libcni"
)

func newGCCommand(a *app) *cobra.Command {
	var keep []string
	cmd := &cobra.Command{
		Use:   "gc [NETWORK...]",
		Short: "Garbage-collect networks (CNI GC): delete attachments whose netns is gone",
		Long: `Garbage-collect networks, all of the configuration directory when none is
named. An attachment stays valid when its network namespace still exists
or --keep names it; every other cached attachment of the network is
deleted, and (cniVersion 1.1.0 and later) every plugin gets GC with the
valid attachments so that it can release what belongs to no one.
When nothing is attached to the built-in network any more, its bridge
(cnictl0) is removed as well.

The report says per network whether that worked; the exit code is that of
the first failure.`,
		Example: `  cnictl gc
  cnictl gc mynet --keep cnitool-0123456789abcdef0123/eth0`,
		ValidArgsFunction: a.completeNetworks(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			keeps, err := parseKeeps(keep)
			if err != nil {
				return err
			}
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			networks := a.selectNetworks(cat, args)
			_, corrupt := a.store().List()
			for _, err := range corrupt {
				a.out.Warn("%v", err)
			}
			cni := a.cni()
			var report gcReport
			var errs []error
			for _, n := range networks {
				res := gcResult{Network: n.name, Result: "ok"}
				switch {
				case n.err != nil:
					res.Result, res.Error = "error", errorInfoPtr(n.err)
					errs = append(errs, n.err)
				case n.list.DisableGC:
					res.Result = "skipped (disableGC)"
				default:
					// Validity is decided under the network lock, so that
					// an ADD that finishes while gc waits is kept.
					valid := func(entries []*cache.Entry) []types.GCAttachment {
						res.Valid = validAttachments(n.list.Name, entries, keeps)
						return res.Valid
					}
					if err := cni.GCFunc(cmd.Context(), n.list, valid); err != nil {
						res.Result, res.Error = "error", errorInfoPtr(err)
						errs = append(errs, err)
					}
				}
				report.Networks = append(report.Networks, res)
			}
			if len(args) == 0 || slices.Contains(args, builtinName) {
				if err := a.removeIdleBuiltinBridge(cmd.Context(), cat); err != nil {
					errs = append(errs, err)
				}
			}
			if err := a.out.Action(report); err != nil {
				return err
			}
			if len(errs) > 0 {
				return &reportedError{summary: fmt.Sprintf("gc failed for %d of %d networks", len(errs), len(networks)), err: errs[0]}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&keep, "keep", nil, "keep an attachment although its netns is gone: CONTAINERID or CONTAINERID/IFNAME (repeatable)")
	return cmd
}

// keepSpec is a --keep value: an interface of a container, or all of its
// interfaces when IfName is "".
type keepSpec struct {
	ContainerID string
	IfName      string
}

func parseKeeps(values []string) ([]keepSpec, error) {
	keeps := make([]keepSpec, 0, len(values))
	for _, v := range values {
		id, ifName, hasIf := strings.Cut(v, "/")
		if id == "" || hasIf && (ifName == "" || strings.Contains(ifName, "/")) {
			return nil, usagef("invalid --keep %q: want CONTAINERID or CONTAINERID/IFNAME", v)
		}
		keeps = append(keeps, keepSpec{ContainerID: id, IfName: ifName})
	}
	return keeps, nil
}

// validAttachments are the attachments of network that GC must leave
// alone: the cached ones whose netns still exists (or that recorded none,
// so that cannot be told) and the ones of --keep. A --keep without
// interface keeps every cached interface of the container.
func validAttachments(network string, entries []*cache.Entry, keeps []keepSpec) []types.GCAttachment {
	valid := []types.GCAttachment{}
	seen := map[types.GCAttachment]bool{}
	add := func(a types.GCAttachment) {
		if !seen[a] {
			seen[a] = true
			valid = append(valid, a)
		}
	}
	for _, k := range keeps {
		if k.IfName != "" {
			add(types.GCAttachment{ContainerID: k.ContainerID, IfName: k.IfName})
		}
	}
	for _, e := range entries {
		if e.NetworkName != network {
			continue
		}
		att := types.GCAttachment{ContainerID: e.ContainerID, IfName: e.IfName}
		if e.NetNS == "" || netnsExists(e.NetNS) {
			add(att)
			continue
		}
		for _, k := range keeps {
			if k.IfName == "" && k.ContainerID == e.ContainerID {
				add(att)
			}
		}
	}
	return valid
}

// netnsExists reports whether the netns path of an attachment is still
// there. Only a path that is certainly gone makes the attachment stale.
func netnsExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

// networkChoice is a network named on the command line, or the reason it
// cannot be used.
type networkChoice struct {
	name string
	list *libcni.NetworkConfigList
	err  error
}

// selectNetworks returns the named networks of cat, or every usable one
// when none is named (the unusable files are reported as warnings).
func (a *app) selectNetworks(cat *libcni.Catalog, names []string) []networkChoice {
	var choices []networkChoice
	if len(names) == 0 {
		for _, inv := range cat.Invalid {
			a.out.Warn("skipping %v", inv)
		}
		for _, n := range cat.Networks {
			// The built-in network is only worth a visit when something
			// is attached to it: its plugins may not even be installed.
			if n.Source == builtinSource && !a.hasAttachments(builtinName) {
				continue
			}
			choices = append(choices, networkChoice{name: n.Name, list: n})
		}
		return choices
	}
	for _, name := range names {
		list, err := cat.Get(name)
		choices = append(choices, networkChoice{name: name, list: list, err: err})
	}
	return choices
}

// removeIdleBuiltinBridge deletes the built-in network's bridge when
// nothing is attached to the network and no port is left on the bridge.
func (a *app) removeIdleBuiltinBridge(ctx context.Context, cat *libcni.Catalog) error {
	list, err := cat.Get(builtinName)
	if err != nil || list.Source != builtinSource {
		return nil
	}
	return a.removeIdleBridges(ctx, list, cat.Networks)
}

// hasAttachments reports whether the cache holds an attachment to network.
func (a *app) hasAttachments(network string) bool {
	entries, _ := a.store().List()
	for _, e := range entries {
		if e.NetworkName == network {
			return true
		}
	}
	return false
}

// gcReport is the outcome of gc per network.
type gcReport struct {
	Networks []gcResult `json:"networks"`
}

type gcResult struct {
	Network string `json:"network"`
	// Result is "ok", "skipped (disableGC)" or "error".
	Result string               `json:"result"`
	Valid  []types.GCAttachment `json:"validAttachments"`
	Error  *errorInfo           `json:"error,omitempty"`
}

func (r gcReport) writeTable(w io.Writer) error {
	rows := make([][]string, 0, len(r.Networks))
	for _, n := range r.Networks {
		result := n.Result
		if n.Error != nil {
			result = "error: " + n.Error.text()
		}
		valid := ""
		if n.Error == nil && n.Result == "ok" {
			valid = strconv.Itoa(len(n.Valid))
		}
		rows = append(rows, []string{n.Network, valid, result})
	}
	return writeTable(w, []string{"NETWORK", "VALID ATTACHMENTS", "RESULT"}, rows)
}
