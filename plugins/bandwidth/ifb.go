package bandwidth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/utils"
	"github.com/vishvananda/netlink"
)

// The ifb of an attachment is named like the reference plugin's: this
// prefix and a hash of the network name and the container ID.
const (
	ifbPrefix     = "bwp"
	maxIfNameLen  = 15
	aliasPrefix   = "cnictl-bandwidth "
	maxAliasBytes = 255
)

// owner is the attachment an ifb was made for, recorded in its alias.
type owner struct {
	Network     string `json:"network"`
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifName"`
}

// ifbName returns the name of the ifb of a container in a network.
func ifbName(network, containerID string) string {
	return utils.MustFormatHashWithPrefix(maxIfNameLen, ifbPrefix, network+containerID)
}

// alias returns the alias that records o on its ifb, or "" if it would
// be longer than the kernel allows; GC leaves such an ifb alone.
func (o owner) alias() string {
	data, _ := json.Marshal(o) // strings only: cannot fail
	a := aliasPrefix + string(data)
	if len(a) > maxAliasBytes {
		return ""
	}
	return a
}

// parseAlias returns the attachment recorded in an ifb's alias; false if
// the alias is not one of ours.
func parseAlias(alias string) (owner, bool) {
	rest, ok := strings.CutPrefix(alias, aliasPrefix)
	if !ok {
		return owner{}, false
	}
	var o owner
	if err := json.Unmarshal([]byte(rest), &o); err != nil {
		return owner{}, false
	}
	return o, true
}

// addIfb creates the ifb of o, up, with mtu, and returns it.
func addIfb(o owner, mtu int) (netlink.Link, error) {
	name := ifbName(o.Network, o.ContainerID)
	// Like the reference plugin, the ifb gets no transmit queue.
	err := netlink.LinkAdd(&netlink.Ifb{
		LinkAttrs: netlink.LinkAttrs{
			Name:   name,
			Flags:  net.FlagUp,
			MTU:    mtu,
			TxQLen: 0,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("adding ifb %q: %w", name, err)
	}
	link, err := netlinksafe.LinkByName(name)
	if err == nil {
		// The kernel ignores an alias given at creation.
		if alias := o.alias(); alias != "" {
			err = netlink.LinkSetAlias(link, alias)
		}
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("setting up ifb %q: %w", name, err), delIfb(name))
	}
	return link, nil
}

// delIfb removes the ifb named name; a missing one is no error.
func delIfb(name string) error {
	if err := ip.DelLinkByName(name); err != nil && !errors.Is(err, ip.ErrLinkNotFound) {
		return fmt.Errorf("removing ifb %q: %w", name, err)
	}
	return nil
}

// ownedIfbs returns the ifbs whose alias says they belong to network.
func ownedIfbs(network string) ([]netlink.Link, error) {
	links, err := netlinksafe.LinkList()
	if err != nil {
		return nil, fmt.Errorf("listing links: %w", err)
	}
	var owned []netlink.Link
	for _, l := range links {
		if _, ok := l.(*netlink.Ifb); !ok {
			continue
		}
		if o, ok := parseAlias(l.Attrs().Alias); ok && o.Network == network {
			owned = append(owned, l)
		}
	}
	return owned, nil
}
