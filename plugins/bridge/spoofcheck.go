package bridge

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nat"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// setupSpoofCheck lets the container's frames through the host veth hostIf
// only with source address mac.
func setupSpoofCheck(a nat.Attachment, hostIf, mac string) error {
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return fmt.Errorf("MAC spoof check: container MAC address %q: %w", mac, err)
	}
	err = withSpoofLock(true, func(c *nftables.Conn) error {
		exists, err := spoofTableExists(c)
		if err != nil {
			return err
		}
		ports, allowed := spoofSets()
		if !exists {
			c.AddTable(spoofTbl)
			for _, s := range []*nftables.Set{ports, allowed} {
				if err := c.AddSet(s, nil); err != nil {
					return err
				}
			}
			ch := c.AddChain(&nftables.Chain{
				Table: spoofTbl, Name: spoofChain, Type: nftables.ChainTypeFilter,
				Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityRef(-300),
			})
			c.AddRule(&nftables.Rule{Table: spoofTbl, Chain: ch, Exprs: spoofRule()})
		}
		comment := a.Comment()
		if err := c.SetAddElements(ports, []nftables.SetElement{{Key: nftutil.IfName(hostIf), Comment: comment}}); err != nil {
			return err
		}
		if err := c.SetAddElements(allowed, []nftables.SetElement{{Key: allowedKey(hostIf, hw), Comment: comment}}); err != nil {
			return err
		}
		return c.Flush()
	})
	if err != nil {
		return fmt.Errorf("MAC spoof check: setting up host veth %q, MAC address %s: %w", hostIf, mac, err)
	}
	return nil
}

// spoofElements returns the elements of both sets.
func spoofElements(c *nftables.Conn) (ports, allowed []nftables.SetElement, err error) {
	p, al := spoofSets()
	if ports, err = c.GetSetElements(p); err != nil {
		return nil, nil, fmt.Errorf("listing set %s: %w", spoofPorts, err)
	}
	if allowed, err = c.GetSetElements(al); err != nil {
		return nil, nil, fmt.Errorf("listing set %s: %w", spoofAllowed, err)
	}
	return ports, allowed, nil
}

// removeSpoofElements deletes the elements whose comment gone selects, and
// the whole table if no element would be left.
func removeSpoofElements(c *nftables.Conn, gone func(comment string) bool) error {
	exists, err := spoofTableExists(c)
	if err != nil || !exists {
		return err
	}
	ports, allowed, err := spoofElements(c)
	if err != nil {
		return err
	}
	var delPorts, delAllowed []nftables.SetElement
	for _, e := range ports {
		if gone(e.Comment) {
			delPorts = append(delPorts, nftables.SetElement{Key: e.Key})
		}
	}
	for _, e := range allowed {
		if gone(e.Comment) {
			delAllowed = append(delAllowed, nftables.SetElement{Key: e.Key})
		}
	}
	switch {
	case len(delPorts) == len(ports) && len(delAllowed) == len(allowed):
		c.DelTable(spoofTbl)
	case len(delPorts)+len(delAllowed) == 0:
		return nil
	default:
		p, al := spoofSets()
		if len(delPorts) > 0 {
			if err := c.SetDeleteElements(p, delPorts); err != nil {
				return err
			}
		}
		if len(delAllowed) > 0 {
			if err := c.SetDeleteElements(al, delAllowed); err != nil {
				return err
			}
		}
	}
	return c.Flush()
}

// teardownSpoofCheck removes the attachment's check, if it has one.
func teardownSpoofCheck(a nat.Attachment) error {
	comment := a.Comment()
	err := withSpoofLock(false, func(c *nftables.Conn) error {
		return removeSpoofElements(c, func(s string) bool { return s == comment })
	})
	if err != nil {
		return fmt.Errorf("MAC spoof check: tearing down: %w", err)
	}
	return nil
}

// gcSpoofCheck removes the checks of the network's attachments that are
// not in valid.
func gcSpoofCheck(network string, valid []types.GCAttachment) error {
	err := withSpoofLock(false, func(c *nftables.Conn) error {
		return removeSpoofElements(c, func(s string) bool {
			f := strings.Fields(s)
			if len(f) != 3 || f[0] != network {
				return false
			}
			return !slices.ContainsFunc(valid, func(v types.GCAttachment) bool {
				return v.ContainerID == f[1] && v.IfName == f[2]
			})
		})
	})
	if err != nil {
		return fmt.Errorf("MAC spoof check: %w", err)
	}
	return nil
}

// checkSpoofCheck verifies that the attachment's frames through hostIf
// are checked against mac.
func checkSpoofCheck(a nat.Attachment, hostIf, mac string) error {
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return fmt.Errorf("MAC spoof check: container MAC address %q: %w", mac, err)
	}
	found := false
	err = withSpoofLock(false, func(c *nftables.Conn) error {
		exists, err := spoofTableExists(c)
		if err != nil || !exists {
			return err
		}
		rules, err := c.GetRules(spoofTbl, &nftables.Chain{Table: spoofTbl, Name: spoofChain})
		if err != nil {
			return fmt.Errorf("listing rules of chain %s: %w", spoofChain, err)
		}
		if len(rules) != 1 {
			return fmt.Errorf("chain %s of table bridge %s holds %d rules, expected 1", spoofChain, spoofTable, len(rules))
		}
		ports, allowed, err := spoofElements(c)
		if err != nil {
			return err
		}
		comment := a.Comment()
		hasPort := slices.ContainsFunc(ports, func(e nftables.SetElement) bool {
			return string(e.Key) == string(nftutil.IfName(hostIf)) && e.Comment == comment
		})
		hasAllowed := slices.ContainsFunc(allowed, func(e nftables.SetElement) bool {
			return string(e.Key) == string(allowedKey(hostIf, hw)) && e.Comment == comment
		})
		found = hasPort && hasAllowed
		return nil
	})
	if err != nil {
		return fmt.Errorf("MAC spoof check: %w", err)
	}
	if !found {
		return fmt.Errorf("MAC spoof check: host veth %q with MAC address %s is not checked", hostIf, mac)
	}
	return nil
}
