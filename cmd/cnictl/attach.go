package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/libcni"
)

// resolveNetns turns a NETNS argument into the path of an existing network
// namespace: a path, or a name under --netns-dir.
func (a *app) resolveNetns(arg string) (string, error) {
	path, err := a.netns().Resolve(arg)
	if err != nil {
		return "", fmt.Errorf("network namespace: %w", err)
	}
	return path, nil
}

// attachment reads the NETWORK NETNS arguments and the attachment flags of
// add and check: the network from the configuration directory and the
// runtime configuration for an existing namespace.
func (a *app) attachment(cmd *cobra.Command, f *attachFlags, args []string) (*libcni.NetworkConfigList, *libcni.RuntimeConf, error) {
	f.applyEnv(cmd.Flags())
	list, err := a.network(args[0])
	if err != nil {
		return nil, nil, err
	}
	path, err := a.resolveNetns(args[1])
	if err != nil {
		return nil, nil, err
	}
	rt, err := f.runtimeConf(path)
	if err != nil {
		return nil, nil, err
	}
	return list, rt, nil
}

// netnsPathForDel is resolveNetns for DEL, which must work after the
// namespace is gone: a path that no longer resolves is used as given, a
// name as <netns-dir>/<name>.
func (a *app) netnsPathForDel(arg string) string {
	if path, err := a.netns().Resolve(arg); err == nil {
		return path
	}
	path := arg
	if !strings.Contains(arg, "/") {
		path = filepath.Join(a.netnsDir, arg)
	}
	// Absolute, as Resolve and cnitool make it, so that the container ID
	// derived from it is the one of the ADD.
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path
}

// attachmentOutcome is what check and del print on success.
type attachmentOutcome struct {
	Verb        string `json:"verb"`
	Network     string `json:"network"`
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifName"`
	NetNS       string `json:"netns"`
	// ConfigSource says where the network configuration came from: the
	// file, or "cache" for a network no longer in the configuration
	// directory.
	ConfigSource string `json:"configSource"`
	Result       string `json:"result"`
}

func newAttachmentOutcome(verb string, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf, result string) attachmentOutcome {
	source := list.Source
	if source == "" {
		source = "cache"
	}
	return attachmentOutcome{
		Verb:         verb,
		Network:      list.Name,
		ContainerID:  rt.ContainerID,
		IfName:       rt.IfName,
		NetNS:        rt.NetNS,
		ConfigSource: source,
		Result:       result,
	}
}

func (o attachmentOutcome) writeTable(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s %s: network %q container %q ifname %q\n", o.Verb, o.Result, o.Network, o.ContainerID, o.IfName)
	if err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}
