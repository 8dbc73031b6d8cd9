package firewall

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// pluginName names this plugin's state directory.
const pluginName = "firewall"

// cmdAdd lets the traffic of the container's addresses in prevResult
// through the host, applies the ingress policy and passes prevResult
// through.
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

// add replaces what a had installed, if anything, with what conf asks for.
func add(conf *config, a nftutil.Attachment) error {
	rec, err := newRecord(conf, a)
	if err != nil {
		return err
	}
	if err := checkLegacyForward(); err != nil {
		return err
	}
	if len(rec.Addresses) == 0 && rec.Bridge == "" {
		return records.Add(a, rec, nil)
	}
	return records.Add(a, rec, func(s *nftutil.Store, r *ruleset) error {
		return install(s, r, rec)
	})
}
