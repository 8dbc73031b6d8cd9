package ptp

import (
	"context"
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/ipam"
)

// cmdGC hands GC to the IPAM plugin, as a plugin MUST forward GC to its
// delegated plugins (SPEC.md, section 2, GC), and removes the NAT rules of
// every attachment of the network that is not in
// cni.dev/valid-attachments.
func cmdGC(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	var errs []error
	if conf.IPAM.Type != "" {
		if err := invoke.DelegateGC(context.Background(), conf.IPAM.Type, args.StdinData, nil); err != nil {
			errs = append(errs, fmt.Errorf("IPAM plugin %q: %w", conf.IPAM.Type, err))
		}
	}
	errs = append(errs, gcMasq(conf))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ptp: network %q: garbage collection: %w", conf.Name, err)
	}
	return nil
}

// cmdStatus hands STATUS to the IPAM plugin, which ADD relies on (SPEC.md,
// section 2, STATUS).
func cmdStatus(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := ipam.ExecStatus(conf.IPAM.Type, args.StdinData); err != nil {
		return fmt.Errorf("ptp: network %q: IPAM plugin %q: %w", conf.Name, conf.IPAM.Type, err)
	}
	return nil
}
