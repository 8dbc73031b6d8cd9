package portmap

import (
	"errors"
	"fmt"
	"log"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// pluginName names this plugin's state directory.
const pluginName = "portmap"

// cmdAdd forwards the host ports of runtimeConfig.portMappings to the
// container's addresses in prevResult, and passes prevResult through.
func cmdAdd(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	a := nftutil.AttachmentOf(conf.network, args)
	if conf.prevResult == nil {
		return fmt.Errorf("portmap: %s: must be called as a chained plugin: no prevResult", a)
	}
	if err := add(conf, a); err != nil {
		return fmt.Errorf("portmap: %s: %w", a, err)
	}
	return types.PrintResult(conf.prevResult, conf.cniVersion)
}

// newRecord makes the record of what conf asks for a.
func newRecord(conf *config, a nftutil.Attachment) (*record, error) {
	addrs, err := containerAddrs(conf.prevResult, a.IfName)
	if err != nil {
		return nil, err
	}
	rec := &record{Attachment: a, Group: conf.group.id, SNAT: conf.snat, MasqAll: conf.masqAll, Mappings: conf.mappings}
	for _, addr := range addrs {
		rec.Addresses = append(rec.Addresses, addr.String())
	}
	return rec, nil
}

// add replaces the mappings of a, if it has any, with those conf asks for.
func add(conf *config, a nftutil.Attachment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	rec, err := newRecord(conf, a)
	if err != nil {
		return err
	}
	wanted := len(rec.Mappings) > 0 && len(rec.Addresses) > 0
	s, err := nftutil.Open(nftutil.StateDir(pluginName), wanted)
	if errors.Is(err, nftutil.ErrNoState) {
		return nil
	}
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := openRuleset()
	if err != nil {
		return err
	}
	defer r.Close()
	var old record
	ok, err := s.ReadRecord(a, &old)
	if err != nil {
		return err
	}
	if ok {
		if err := uninstall(s, r, &old); err != nil {
			return fmt.Errorf("removing the mappings of the previous ADD: %w", err)
		}
	}
	if !wanted {
		return nil
	}
	if err := install(s, r, rec, conf.group); err != nil {
		if undoErr := uninstall(s, r, rec); undoErr != nil {
			err = errors.Join(err, fmt.Errorf("removing what was set up: %w", undoErr))
		}
		return err
	}
	if rec.SNAT {
		for _, addr := range rec.Addresses {
			ip, _, f, err := parseAddress(addr)
			if err != nil {
				return err
			}
			if f == nftutil.IPv4 {
				if err := enableLocalnet(ip); err != nil {
					return err
				}
			}
		}
	}
	// As in the reference, stale flows are flushed once the mappings are
	// in place, and a failure only merits a message.
	if err := flushUDP(rec); err != nil {
		log.Printf("portmap: %s: %v", a, err)
	}
	return nil
}
