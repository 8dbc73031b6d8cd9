package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins"
)

// defaultBridgeName is the bridge plugin's device when its config names
// none, in the reference plugin and in cnictl's.
const defaultBridgeName = "cni0"

// bridgeNames are the bridge devices the bridge plugins of list use.
func bridgeNames(list *libcni.NetworkConfigList) []string {
	var names []string
	for _, p := range list.Plugins {
		if p.Network == nil || p.Network.Type != "bridge" {
			continue
		}
		var conf struct {
			Bridge string `json:"bridge"`
		}
		if json.Unmarshal(p.Bytes, &conf) != nil {
			continue
		}
		if conf.Bridge == "" {
			conf.Bridge = defaultBridgeName
		}
		if !slices.Contains(names, conf.Bridge) {
			names = append(names, conf.Bridge)
		}
	}
	return names
}

// removeIdleBridges deletes the bridge devices of list that the bundled
// bridge plugin created (they carry plugins.BridgeAlias), that no port is
// enslaved to and that no network of others uses: the bridge plugins, like
// the reference one, keep their bridge after the last DEL, and a removed
// network or an unused built-in network should leave no device behind. It
// holds the network's lock exclusively, as GC does, so that an ADD that is
// still attaching its first container keeps its bridge. It notes each
// bridge it removes.
func (a *app) removeIdleBridges(ctx context.Context, list *libcni.NetworkConfigList, others []*libcni.NetworkConfigList) error {
	lock, err := a.store().LockNetwork(ctx, list.Name, true)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if a.hasAttachments(list.Name) {
		return nil
	}
	for _, name := range bridgeNames(list) {
		if slices.ContainsFunc(others, func(o *libcni.NetworkConfigList) bool {
			return o.Name != list.Name && slices.Contains(bridgeNames(o), name)
		}) {
			continue
		}
		idle, link, err := idleBridge(name)
		if err != nil {
			return fmt.Errorf("network %q: bridge %s: %w", list.Name, name, err)
		}
		if !idle {
			continue
		}
		if err := netlink.LinkDel(link); err != nil {
			return fmt.Errorf("network %q: removing idle bridge %s: %w", list.Name, name, err)
		}
		a.out.Note("removed bridge %s of network %q: no container was attached to it", name, list.Name)
	}
	return nil
}

// idleBridge returns the bridge device called name when it exists, was
// created by the bundled bridge plugin, and has no port.
func idleBridge(name string) (bool, netlink.Link, error) {
	link, err := netlinksafe.LinkByName(name)
	if _, notFound := err.(netlink.LinkNotFoundError); notFound {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	if _, ok := link.(*netlink.Bridge); !ok || !strings.HasPrefix(link.Attrs().Alias, plugins.BridgeAlias) {
		return false, nil, nil
	}
	links, err := netlinksafe.LinkList()
	if err != nil {
		return false, nil, err
	}
	for _, l := range links {
		if l.Attrs().MasterIndex == link.Attrs().Index {
			return false, nil, nil
		}
	}
	return true, link, nil
}
