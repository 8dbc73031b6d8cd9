package bandwidth

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
)

// cmdGC removes the ifbs of this network whose attachments are not in
// cni.dev/valid-attachments. Only ifbs whose alias names the network are
// considered: those the reference plugin made carry no alias and are left
// alone.
func cmdGC(args *skel.CmdArgs) error {
	c, err := parseConfig(args)
	if err != nil {
		return err
	}
	if err := gc(c); err != nil {
		return fmt.Errorf("bandwidth: network %q: GC: %w", c.Name, err)
	}
	return nil
}

// gc does the work of GC. An ifb is named after the network and the
// container ID only, so an ifb stays while any attachment of its
// container is valid.
func gc(c *config) error {
	keep := map[string]bool{}
	for _, a := range c.ValidAttachments {
		keep[ifbName(c.Name, a.ContainerID)] = true
	}
	ifbs, err := ownedIfbs(c.Name)
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range ifbs {
		if !keep[l.Attrs().Name] {
			errs = append(errs, delIfb(l.Attrs().Name))
		}
	}
	return errors.Join(errs...)
}
