package bridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/skel"

	"github.com/cnictl/cnictl/plugins/internal/nat"
)

// cmdGC removes what the network holds for attachments that are not in
// cni.dev/valid-attachments: the IPAM plugin's allocations (through its
// GC, which a plugin MUST forward to its delegated plugins: SPEC.md,
// section 2, GC), the NAT and the MAC spoof checks. Interfaces are not
// collected: they went away with their namespaces.
func cmdGC(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	var errs []error
	if c.layer3() {
		if err := invoke.DelegateGC(context.Background(), c.IPAM.Type, args.StdinData, nil); err != nil {
			errs = append(errs, fmt.Errorf("IPAM plugin %q: %w", c.IPAM.Type, err))
		}
	}
	errs = append(errs, nat.GC(c.Name, c.ValidAttachments), gcSpoofCheck(c.Name, c.ValidAttachments))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bridge: network %q: GC: %w", c.Name, err)
	}
	return nil
}

// cmdStatus reports whether the network can take new attachments: the
// IPAM plugin's STATUS, which a plugin that relies on a delegated plugin
// for ADD must run (SPEC.md, section 2, STATUS).
func cmdStatus(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	if !c.layer3() {
		return nil
	}
	if err := invoke.DelegateStatus(context.Background(), c.IPAM.Type, args.StdinData, nil); err != nil {
		return fmt.Errorf("bridge: network %q: IPAM plugin %q: %w", c.Name, c.IPAM.Type, err)
	}
	return nil
}
