package bridge

import (
	"errors"
	"fmt"
	"net"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// The MAC spoof check (macspoofchk) drops frames that a container sends
// with a source MAC address other than its interface's. Like NAT, it costs
// no rule per container, only two set elements:
//
//	table bridge cnictl-macspoof {
//		set ports {
//			type ifname
//			elements = { "veth1234" comment "net1 c1 eth0" }
//		}
//		set allowed {
//			type ifname . ether_addr
//			elements = { "veth1234" . 0a:58:0a:42:00:02 comment "net1 c1 eth0" }
//		}
//		chain prerouting {
//			type filter hook prerouting priority dstnat; policy accept;  # -300
//			iifname @ports iifname . ether saddr != @allowed drop
//		}
//	}
//
// The elements' comments name the attachment (nftutil.Attachment.Comment),
// and are all the state that DEL and GC need. Changes are serialised by a flock on the directory
// macspoof next to package nat's state directory; the table is deleted with
// its last elements.
const (
	spoofTable     = "cnictl-macspoof"
	spoofChain     = "prerouting"
	spoofPorts     = "ports"
	spoofAllowed   = "allowed"
	spoofPortsID   = 1
	spoofAllowedID = 2
	// etherSaddr is where the source MAC address is in the frame.
	etherSaddr = 6
)

var spoofTbl = &nftables.Table{Family: nftables.TableFamilyBridge, Name: spoofTable}

// spoofSets returns the two sets, new values each time (nftables.Conn
// writes to them).
func spoofSets() (ports, allowed *nftables.Set) {
	// Interface names are strings, which nft reads in host byte order.
	ports = &nftables.Set{
		Table: spoofTbl, ID: spoofPortsID, Name: spoofPorts,
		KeyType: nftables.TypeIFName, KeyByteOrder: binaryutil.NativeEndian,
	}
	allowed = &nftables.Set{
		Table: spoofTbl, ID: spoofAllowedID, Name: spoofAllowed, Concatenation: true,
		KeyType: nftables.MustConcatSetType(nftables.TypeIFName, nftables.TypeEtherAddr),
	}
	return ports, allowed
}

// spoofRule is the one rule of the table.
func spoofRule() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		&expr.Lookup{SourceRegister: 1, SetName: spoofPorts, SetID: spoofPortsID},
		// The address follows the interface name in the key.
		&expr.Payload{DestRegister: nftutil.Reg(nftutil.IfNameLen), Base: expr.PayloadBaseLLHeader, Offset: etherSaddr, Len: 6},
		&expr.Lookup{SourceRegister: 1, SetName: spoofAllowed, SetID: spoofAllowedID, Invert: true},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}
}

// allowedKey is the key of an allowed (interface, MAC address) pair: the
// address is padded to a multiple of 4 bytes.
func allowedKey(ifname string, mac net.HardwareAddr) []byte {
	return nftutil.Pad4(append(nftutil.IfName(ifname), mac...))
}

// withSpoofLock runs fn with the lock held and a connection to nftables.
// The lock is the state directory macspoof (see nftutil.StateDir).
// Without create, a missing lock directory means that no check was ever
// set up, and fn does not run.
func withSpoofLock(create bool, fn func(c *nftables.Conn) error) error {
	err := nftutil.Locked("macspoof", create, nftutil.Connect, func(_ *nftutil.Store, c *nftutil.Conn) error {
		return fn(c.Conn)
	})
	if errors.Is(err, nftutil.ErrNoState) {
		return nil
	}
	return err
}

// spoofTableExists reports whether the table exists.
func spoofTableExists(c *nftables.Conn) (bool, error) {
	_, err := c.ListTableOfFamily(spoofTable, spoofTbl.Family)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking up table bridge %s: %w", spoofTable, err)
	}
	return true, nil
}
