package tuning

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
)

// cmdGC removes the backups this network's attachments left that are not
// in cni.dev/valid-attachments: their namespaces are gone, and with them
// everything to restore. Backups without a network, such as the reference
// plugin's, are left alone.
func cmdGC(args *skel.CmdArgs) error {
	c, err := loadBase(args)
	if err != nil {
		return err
	}
	if err := gc(c); err != nil {
		return fmt.Errorf("tuning: network %q: GC: %w", c.Name, err)
	}
	return nil
}

// gc does the work of GC.
func gc(c *base) error {
	paths, err := filepath.Glob(filepath.Join(c.DataDir, "*.json"))
	if err != nil {
		return err
	}
	var errs []error
	for _, path := range paths {
		b, err := readBackup(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if b == nil || b.Network != c.Name || valid(c.ValidAttachments, b) {
			continue
		}
		if err := removeBackup(path); err != nil {
			errs = append(errs, fmt.Errorf("container %q, ifname %q: %w", b.ContainerID, b.IfName, err))
		}
	}
	return errors.Join(errs...)
}

// valid reports whether the attachment of b is among attachments.
func valid(attachments []types.GCAttachment, b *backup) bool {
	return slices.Contains(attachments, types.GCAttachment{ContainerID: b.ContainerID, IfName: b.IfName})
}
