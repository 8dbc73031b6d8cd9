package cache

import (
	"encoding/json"
	"fmt"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/types/create"
)

// KindV1 is the kind of every entry written by this package and by upstream
// libcni since v0.8.0.
const KindV1 = "cniCacheV1"

// Entry is one cached network attachment. The field order and JSON names
// match upstream libcni's cachedInfo, so the bytes written are the same.
type Entry struct {
	Kind           string         `json:"kind"`
	ContainerID    string         `json:"containerId"`
	Config         []byte         `json:"config"`
	IfName         string         `json:"ifName"`
	NetworkName    string         `json:"networkName"`
	NetNS          string         `json:"netns,omitempty"`
	CniArgs        [][2]string    `json:"cniArgs,omitempty"`
	CapabilityArgs map[string]any `json:"capabilityArgs,omitempty"`
	// RawResult is the result of the final plugin of the ADD chain; it is
	// empty while the ADD is still running or when it did not finish.
	RawResult map[string]any `json:"result,omitempty"`
}

// Key names one attachment: the triple that the spec says identifies it.
type Key struct {
	Network     string
	ContainerID string
	IfName      string
}

// String is the key as it appears in an entry's file name.
func (k Key) String() string {
	return k.Network + "-" + k.ContainerID + "-" + k.IfName
}

// Key returns the attachment the entry records.
func (e *Entry) Key() Key {
	return Key{Network: e.NetworkName, ContainerID: e.ContainerID, IfName: e.IfName}
}

// Complete reports whether the ADD that wrote the entry finished and stored
// its result.
func (e *Entry) Complete() bool { return len(e.RawResult) > 0 }

// SetResult stores result as the entry's result.
func (e *Entry) SetResult(result types.Result) error {
	if result == nil {
		e.RawResult = nil
		return nil
	}
	data, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("encoding result of %s: %w", e.Key(), err)
	}
	e.RawResult = nil
	if err := json.Unmarshal(data, &e.RawResult); err != nil {
		return fmt.Errorf("encoding result of %s: %w", e.Key(), err)
	}
	return nil
}

// Result decodes the cached result and converts it to cniVersion (the
// version of the network configuration now in use), as the spec requires
// for the prevResult of CHECK and DEL. It returns nil, nil when the entry
// has no result.
func (e *Entry) Result(cniVersion string) (types.Result, error) {
	if !e.Complete() {
		return nil, nil
	}
	data, err := json.Marshal(e.RawResult)
	if err != nil {
		return nil, fmt.Errorf("cached result of %s: %w", e.Key(), err)
	}
	res, err := create.CreateFromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("cached result of %s: %w", e.Key(), err)
	}
	if cniVersion == "" {
		return res, nil
	}
	conv, err := res.GetAsVersion(cniVersion)
	if err != nil {
		return nil, fmt.Errorf("converting cached result of %s to version %s: %w", e.Key(), cniVersion, err)
	}
	return conv, nil
}
