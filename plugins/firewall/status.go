package firewall

import (
	"github.com/containernetworking/cni/pkg/skel"
)

// cmdStatus reports the plugin unavailable, with CNI error code 50, when
// every ADD would fail: nftables cannot be programmed, or iptables-legacy
// drops forwarded traffic by policy.
func cmdStatus(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	return records.Status(conf.network, checkLegacyForward)
}
