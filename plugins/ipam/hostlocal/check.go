package hostlocal

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
)

// cmdCheck verifies that the attachment still holds an address of the
// network and, when a prevResult is given, that it holds every address of
// prevResult that lies in the network's ranges.
func cmdCheck(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := check(conf, args.ContainerID, args.IfName); err != nil {
		return fmt.Errorf("host-local: %s: %w", attachment(conf, args), err)
	}
	return nil
}

// check verifies the addresses of one attachment.
func check(conf *config, id, ifname string) error {
	s, err := openStore(conf)
	if err != nil {
		return err
	}
	defer s.Close()
	if conf.NetConf.RawPrevResult != nil {
		if err := s.checkPrevResult(conf, id, ifname); err != nil {
			return err
		}
	}
	if len(s.GetByID(id, ifname)) == 0 {
		return fmt.Errorf("holds no address in %s", s.dir)
	}
	return nil
}

// checkPrevResult verifies that the attachment holds every address of
// prevResult in the network's ranges.
func (s *store) checkPrevResult(conf *config, id, ifname string) error {
	if err := version.ParsePrevResult(&conf.NetConf); err != nil {
		return fmt.Errorf("parsing prevResult: %w", err)
	}
	prev, err := current.NewResultFromResult(conf.NetConf.PrevResult)
	if err != nil {
		return fmt.Errorf("converting prevResult: %w", err)
	}
	for _, ipc := range prev.IPs {
		addr := ipc.Address.IP
		inRanges := false
		for i := range conf.Ranges {
			inRanges = inRanges || conf.Ranges[i].Contains(addr)
		}
		if !inRanges {
			continue
		}
		holder, taken, err := s.holder(addr)
		switch {
		case err != nil:
			return err
		case !taken:
			return fmt.Errorf("IP %s of prevResult is not allocated", addr)
		case holder.containerID != id || (holder.ifname != "" && holder.ifname != ifname):
			return fmt.Errorf("IP %s of prevResult is allocated to %s", addr, holder)
		}
	}
	return nil
}
