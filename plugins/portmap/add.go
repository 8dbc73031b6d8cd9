package portmap

import (
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
	err = records.Chained(conf.network, args, conf.prevResult != nil, func(a nftutil.Attachment) error {
		return add(conf, a)
	})
	if err != nil {
		return err
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
	rec, err := newRecord(conf, a)
	if err != nil {
		return err
	}
	if len(rec.Mappings) == 0 || len(rec.Addresses) == 0 {
		return records.Add(a, rec, nil)
	}
	err = records.Add(a, rec, func(s *nftutil.Store, r *ruleset) error {
		return install(s, r, rec, conf.group)
	})
	if err != nil {
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
