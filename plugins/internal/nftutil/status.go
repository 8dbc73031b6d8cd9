package nftutil

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins"
)

// Probe checks that nftables can be programmed over netlink in the
// current network namespace: what the STATUS of every plugin here needs.
func Probe() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("connecting to nftables: %w", err)
	}
	if _, err := c.ListTablesOfFamily(nftables.TableFamilyINet); err != nil {
		return fmt.Errorf("listing nftables tables: %w", err)
	}
	return nil
}

// Status is the plugin's STATUS on network: unavailable, with CNI error
// code plugins.ErrPluginNotAvailable, when nftables cannot be programmed
// (Probe) or one of checks fails, since every ADD would then fail.
func (p Records[Rec, R]) Status(network string, checks ...func() error) error {
	for _, check := range append([]func() error{Probe}, checks...) {
		if err := check(); err != nil {
			return types.NewError(plugins.ErrPluginNotAvailable, fmt.Sprintf("%s: network %q: %v", p.Plugin, network, err), "")
		}
	}
	return nil
}
