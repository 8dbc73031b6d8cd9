package hostlocal

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/plugins/plugins/ipam/host-local/backend/allocator"
)

// cmdAdd allocates one address from each range set and prints them, with
// the routes and the DNS settings of resolvConf, at the configuration's
// cniVersion.
func cmdAdd(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	result, err := add(conf, args.ContainerID, args.IfName)
	if err != nil {
		return fmt.Errorf("host-local: %s: %w", attachment(conf, args), err)
	}
	return types.PrintResult(result, conf.NetConf.CNIVersion)
}

// attachment names the network, container and interface of a command in
// error messages.
func attachment(conf *config, args *skel.CmdArgs) string {
	return fmt.Sprintf("network %q, container %q, ifname %q", conf.Name, args.ContainerID, args.IfName)
}

// add allocates the addresses of one attachment. On failure it releases
// whatever it allocated.
func add(conf *config, id, ifname string) (*current.Result, error) {
	result := &current.Result{CNIVersion: current.ImplementedSpecVersion, Routes: conf.Routes}
	if conf.ResolvConf != "" {
		dns, err := parseResolvConf(conf.ResolvConf)
		if err != nil {
			return nil, err
		}
		result.DNS = *dns
	}
	requested, err := assignRequested(conf.Ranges, conf.IPArgs)
	if err != nil {
		return nil, err
	}
	s, err := openStore(conf)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if held := s.GetByID(id, ifname); len(held) > 0 {
		return nil, fmt.Errorf("already holds %s in this network: the attachment must be deleted before it is added again", joinIPs(held))
	}
	for idx := range conf.Ranges {
		ipConf, err := s.allocate(idx, &conf.Ranges[idx], id, ifname, requested[idx])
		if err != nil {
			if relErr := s.release(id, ifname); relErr != nil {
				err = errors.Join(err, fmt.Errorf("releasing the addresses allocated so far: %w", relErr))
			}
			return nil, err
		}
		result.IPs = append(result.IPs, ipConf)
	}
	return result, nil
}

// allocate reserves an address of range set idx for the attachment: want
// if it is set, else the next free one in the reference's round-robin
// order.
func (s *store) allocate(idx int, set *allocator.RangeSet, id, ifname string, want net.IP) (*current.IPConfig, error) {
	if want != nil {
		if err := s.checkRequested(idx, set, want); err != nil {
			return nil, err
		}
	}
	ipConf, err := allocator.NewIPAllocator(set, s, idx).Get(id, ifname, want)
	if err == nil {
		return ipConf, nil
	}
	if want == nil {
		// With the attachment known to hold nothing, a full range set is
		// the allocator's only failure that is not an I/O error, but its
		// message does not say so plainly: count to tell.
		if allocs, listErr := s.allocations(); listErr == nil && free(*set, allocs).Sign() == 0 {
			return nil, fmt.Errorf("no free address in %s: every address is allocated", describeSet(idx, set))
		}
		return nil, fmt.Errorf("allocating from %s: %w", describeSet(idx, set), err)
	}
	return nil, fmt.Errorf("allocating requested IP %s from %s: %w", want, describeSet(idx, set), err)
}

// checkRequested tells why the requested address want of range set idx
// cannot be handed out, if it cannot.
func (s *store) checkRequested(idx int, set *allocator.RangeSet, want net.IP) error {
	r, err := set.RangeFor(want)
	if err != nil {
		return fmt.Errorf("requested IP %s: %w", want, err)
	}
	if want.Equal(r.Gateway) {
		return fmt.Errorf("requested IP %s is the gateway of subnet %s in %s", want, (*net.IPNet)(&r.Subnet).String(), describeSet(idx, set))
	}
	holder, taken, err := s.holder(want)
	if err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("requested IP %s of %s is already allocated to %s", want, describeSet(idx, set), holder)
	}
	return nil
}

// joinIPs lists addresses in messages.
func joinIPs(ips []net.IP) string {
	s := make([]string, len(ips))
	for i, addr := range ips {
		s[i] = addr.String()
	}
	return strings.Join(s, ", ")
}
