package hostlocal

import (
	"fmt"
	"math/big"
	"net"
	"strings"

	"github.com/containernetworking/plugins/plugins/ipam/host-local/backend/allocator"
)

// describeSet names range set idx in error messages.
func describeSet(idx int, set *allocator.RangeSet) string {
	return fmt.Sprintf("range set %d (%s)", idx, set.String())
}

// describeSets names every range set of a network in error messages.
func describeSets(sets []allocator.RangeSet) string {
	names := make([]string, len(sets))
	for i := range sets {
		names[i] = describeSet(i, &sets[i])
	}
	return strings.Join(names, ", ")
}

// assignRequested maps each requested address to the range set that holds
// it: the result has one entry per range set, nil where nothing was
// requested. Every requested address must fall in a range set, and no two
// in the same one, since host-local allocates one address per range set.
func assignRequested(sets []allocator.RangeSet, requested []net.IP) ([]net.IP, error) {
	assigned := make([]net.IP, len(sets))
	for _, addr := range requested {
		idx := -1
		for i := range sets {
			if sets[i].Contains(addr) {
				idx = i
				break
			}
		}
		switch {
		case idx < 0:
			return nil, fmt.Errorf("requested IP %s is outside every range of the network: %s", addr, describeSets(sets))
		case assigned[idx] == nil:
			assigned[idx] = addr
		case !assigned[idx].Equal(addr):
			return nil, fmt.Errorf("requested IPs %s and %s are both in %s: host-local allocates one address per range set",
				assigned[idx], addr, describeSet(idx, &sets[idx]))
		}
	}
	return assigned, nil
}

// free returns how many addresses of set no allocation holds. The gateway
// of a range is never handed out and does not count.
func free(set allocator.RangeSet, allocs []allocation) *big.Int {
	total := new(big.Int)
	for i := range set {
		r := &set[i]
		n := new(big.Int).Sub(ipInt(r.RangeEnd), ipInt(r.RangeStart))
		n.Add(n, big.NewInt(1))
		if r.Contains(r.Gateway) {
			n.Sub(n, big.NewInt(1))
		}
		for _, a := range allocs {
			if r.Contains(a.ip) && !a.ip.Equal(r.Gateway) {
				n.Sub(n, big.NewInt(1))
			}
		}
		total.Add(total, n)
	}
	return total
}

// ipInt returns addr as a number.
func ipInt(addr net.IP) *big.Int {
	return new(big.Int).SetBytes(addr)
}
