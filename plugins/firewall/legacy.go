package firewall

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// legacyFilter describes the filter table of iptables-legacy or
// ip6tables-legacy as the kernel's x_tables give it out.
type legacyFilter struct {
	name string
	// names lists the legacy tables of the network namespace (of the
	// calling thread, which matters to tests).
	names string
	af    int
	level int
	// targetOffset is the offset of target_offset in struct ipt_entry
	// (ip6t_entry): after struct ipt_ip (ip6t_ip6) and nfcache.
	targetOffset int
}

// legacyFilters are the IPv4 and IPv6 filter tables of iptables-legacy.
var legacyFilters = []legacyFilter{
	{name: "iptables-legacy", names: "/proc/thread-self/net/ip_tables_names", af: unix.AF_INET, level: unix.IPPROTO_IP, targetOffset: 88},
	{name: "ip6tables-legacy", names: "/proc/thread-self/net/ip6_tables_names", af: unix.AF_INET6, level: unix.IPPROTO_IPV6, targetOffset: 140},
}

// Socket options and layouts of linux/netfilter_ipv4/ip_tables.h, the
// same for IPv6.
const (
	soGetInfo    = 64 // IPT_SO_GET_INFO
	soGetEntries = 65 // IPT_SO_GET_ENTRIES
	// getInfoLen is sizeof(struct ipt_getinfo).
	getInfoLen = 84
	// underflowOffset is the offset of underflow[] in struct ipt_getinfo.
	underflowOffset = 56
	// sizeOffset is the offset of size in struct ipt_getinfo.
	sizeOffset = 80
	// entriesOffset is the offset of entrytable in struct
	// ipt_get_entries.
	entriesOffset = 40
	// verdictOffset is the offset of the verdict of a standard target:
	// after struct xt_entry_target.
	verdictOffset = 32
	// hookForward is NF_INET_FORWARD.
	hookForward = 2
	// verdictDrop is how a standard target encodes the DROP policy
	// (-NF_DROP - 1).
	verdictDrop = -1
)

// errLegacyDrop explains why ADD fails on a host whose iptables-legacy
// drops forwarded traffic.
var errLegacyDrop = errors.New("cnictl's firewall plugin programs nftables only and cannot add the accept rules iptables-legacy would need; " +
	"switch the host to iptables-nft (then the plugin inserts its rule), " +
	"or accept the container subnets in iptables-legacy yourself and replace the DROP policy with a final -j DROP rule")

// checkLegacyForward fails if the FORWARD chain of iptables-legacy or
// ip6tables-legacy has policy DROP: such a host drops container traffic
// whatever nftables says.
func checkLegacyForward() error {
	for _, lf := range legacyFilters {
		dropping, err := lf.forwardDrops()
		if err != nil {
			return fmt.Errorf("reading the FORWARD policy of %s: %w", lf.name, err)
		}
		if dropping {
			return fmt.Errorf("the FORWARD chain of %s has policy DROP: %w", lf.name, errLegacyDrop)
		}
	}
	return nil
}

// forwardDrops reports whether the table's FORWARD chain has policy DROP.
// Only a table that exists is asked about: asking would create it.
func (lf legacyFilter) forwardDrops() (bool, error) {
	names, err := os.ReadFile(lf.names)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !slices.Contains(strings.Fields(string(names)), "filter") {
		return false, nil
	}
	fd, err := unix.Socket(lf.af, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	info := make([]byte, getInfoLen)
	copy(info, "filter")
	if err := getsockopt(fd, lf.level, soGetInfo, info); err != nil {
		return false, fmt.Errorf("IPT_SO_GET_INFO: %w", err)
	}
	ne := binary.NativeEndian
	size := ne.Uint32(info[sizeOffset:])
	policy := int(ne.Uint32(info[underflowOffset+4*hookForward:]))
	entries := make([]byte, entriesOffset+int(size))
	copy(entries, "filter")
	ne.PutUint32(entries[32:], size)
	if err := getsockopt(fd, lf.level, soGetEntries, entries); err != nil {
		return false, fmt.Errorf("IPT_SO_GET_ENTRIES: %w", err)
	}
	entry := entries[entriesOffset:]
	if policy+lf.targetOffset+2 > len(entry) {
		return false, fmt.Errorf("FORWARD policy at offset %d beyond the table's %d bytes", policy, len(entry))
	}
	target := policy + int(ne.Uint16(entry[policy+lf.targetOffset:]))
	if target+verdictOffset+4 > len(entry) {
		return false, fmt.Errorf("FORWARD policy target at offset %d beyond the table's %d bytes", target, len(entry))
	}
	return int32(ne.Uint32(entry[target+verdictOffset:])) == verdictDrop, nil
}

// getsockopt reads the socket option opt into buf, which also carries the
// request.
func getsockopt(fd, level, opt int, buf []byte) error {
	n := uint32(len(buf))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
