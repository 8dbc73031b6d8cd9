package tuning

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/cnictl/cnictl/plugins"
)

// cmdDel restores what ADD saved and removes the backup. When the
// namespace is gone there is nothing left to restore, and the backup is
// just removed; without a backup DEL does nothing, so it can be repeated.
func cmdDel(args *skel.CmdArgs) error {
	c, err := loadBase(args)
	if err != nil {
		return err
	}
	if err := del(c, args); err != nil {
		return fmt.Errorf("tuning: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return nil
}

// del does the work of DEL. A backup that could not be restored is kept,
// so that a repeated DEL tries again.
func del(c *base, args *skel.CmdArgs) error {
	path, err := backupPath(c.DataDir, args.ContainerID, args.IfName)
	if err != nil {
		return err
	}
	b, err := readBackup(path)
	if err != nil {
		return err
	}
	if b != nil && args.Netns != "" {
		err := ns.WithNetNSPath(args.Netns, func(ns.NetNS) error { return restore(b, args.IfName) })
		if err != nil && !plugins.NetnsGone(err) {
			return fmt.Errorf("restoring the original values: %w", err)
		}
	}
	return removeBackup(path)
}
