package portmap

import (
	"github.com/containernetworking/cni/pkg/skel"
)

// cmdStatus reports the plugin unavailable, with CNI error code 50, when
// nftables cannot be programmed, since every ADD with mappings would then
// fail.
func cmdStatus(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	return records.Status(conf.network)
}
