package portmap

import (
	"errors"
	"fmt"
	"slices"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// cmdGC removes the mappings of every attachment of the network that is
// not in cni.dev/valid-attachments.
func cmdGC(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := gc(conf.network, conf.valid); err != nil {
		return fmt.Errorf("portmap: network %q: garbage collection: %w", conf.network, err)
	}
	return nil
}

// gc removes the mappings of the attachments of network not in valid.
func gc(network string, valid []types.GCAttachment) error {
	s, err := nftutil.Open(nftutil.StateDir(pluginName), false)
	if errors.Is(err, nftutil.ErrNoState) {
		return nil
	}
	if err != nil {
		return err
	}
	defer s.Close()
	as, err := s.Attachments(network)
	if err != nil || len(as) == 0 {
		return err
	}
	r, err := openRuleset()
	if err != nil {
		return err
	}
	defer r.close()
	var errs []error
	for _, a := range as {
		keep := slices.ContainsFunc(valid, func(v types.GCAttachment) bool {
			return v.ContainerID == a.ContainerID && v.IfName == a.IfName
		})
		if keep {
			continue
		}
		var rec record
		ok, err := s.ReadRecord(a, &rec)
		if err == nil && ok {
			err = remove(s, r, &rec)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a, err))
		}
	}
	return errors.Join(errs...)
}
