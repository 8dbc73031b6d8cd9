package tuning

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/cnictl/cnictl/plugins"
)

// cmdAdd tunes the container interface and prints prevResult.
func cmdAdd(args *skel.CmdArgs) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	result, err := add(c, args)
	if err != nil {
		return fmt.Errorf("tuning: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return types.PrintResult(result, c.CNIVersion)
}

// add does the work of ADD: it saves the original values, then changes
// them; if a change fails it restores what it saved and removes the
// backup.
func add(c *config, args *skel.CmdArgs) (*current.Result, error) {
	result, err := c.prevResult()
	if err != nil {
		return nil, err
	}
	path, err := backupPath(c.DataDir, args.ContainerID, args.IfName)
	if err != nil {
		return nil, err
	}
	err = ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
		link, err := netlinksafe.LinkByName(args.IfName)
		if err != nil {
			return fmt.Errorf("finding the container interface: %w", err)
		}
		b := save(c, link)
		if !c.changesLink() && len(b.Sysctl) == 0 {
			return apply(c, link)
		}
		b.Network, b.ContainerID, b.IfName = c.Name, args.ContainerID, args.IfName
		if err := b.write(path); err != nil {
			return err
		}
		if err := apply(c, link); err != nil {
			if rerr := restore(b, args.IfName); rerr != nil {
				return errors.Join(err, fmt.Errorf("restoring the original values: %w", rerr))
			}
			return errors.Join(err, removeBackup(path))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.Mac != "" {
		for _, intf := range result.Interfaces {
			if intf.Name == args.IfName && intf.Sandbox != "" {
				intf.Mac = c.Mac
			}
		}
	}
	return result, nil
}
