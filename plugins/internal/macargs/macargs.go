// Package macargs picks the MAC address that a plugin gives the container
// interface from the sources that the reference plugins read: the
// configuration, CNI_ARGS, args.cni and runtimeConfig.
package macargs

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/types"
)

// envArgs are the CNI_ARGS that name a MAC address.
type envArgs struct {
	types.CommonArgs
	MAC types.UnmarshallableString `json:"mac,omitempty"`
}

// Pick returns the MAC address of the container interface, "" for none:
// def, overridden by the MAC of the CNI_ARGS cniArgs, overridden in turn
// by each non-empty one of overrides, in order, so that the last one set
// wins. The overrides are the plugin's, such as args.cni.mac and
// runtimeConfig.mac, in the reference plugin's order.
func Pick(def, cniArgs string, overrides ...string) (string, error) {
	var e envArgs
	if err := types.LoadArgs(cniArgs, &e); err != nil {
		return "", fmt.Errorf("parsing CNI_ARGS: %w", err)
	}
	mac := def
	for _, m := range append([]string{string(e.MAC)}, overrides...) {
		if m != "" {
			mac = m
		}
	}
	return mac, nil
}
