package hostlocal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/containernetworking/cni/pkg/skel"
)

// cmdDel releases every address of the attachment in the network. Deleting
// an attachment that holds nothing succeeds.
func cmdDel(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := del(conf, args.ContainerID, args.IfName); err != nil {
		return fmt.Errorf("host-local: %s: %w", attachment(conf, args), err)
	}
	return nil
}

// del releases the addresses of one attachment.
func del(conf *config, id, ifname string) error {
	s, err := openStore(conf)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.release(id, ifname)
}

// release removes the allocation files of an attachment: those that name
// its container and ifname or, if there are none, those that name its
// container alone (written by older versions). That is the reference's
// ReleaseByID, except that a file it fails to remove is an error rather
// than a silently leaked address.
func (s *store) release(id, ifname string) error {
	allocs, err := s.allocations()
	if err != nil {
		return err
	}
	var exact, legacy []allocation
	for _, a := range allocs {
		switch {
		case a.containerID != id:
		case a.ifname == ifname:
			exact = append(exact, a)
		case a.ifname == "":
			legacy = append(legacy, a)
		}
	}
	if len(exact) == 0 {
		exact = legacy
	}
	var errs []error
	for _, a := range exact {
		if err := os.Remove(a.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("releasing %s: %w", a.ip, err))
		}
	}
	return errors.Join(errs...)
}
