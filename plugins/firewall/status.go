package firewall

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// cmdStatus reports the plugin unavailable, with CNI error code 50, when
// every ADD would fail: nftables cannot be programmed, or iptables-legacy
// drops forwarded traffic by policy.
func cmdStatus(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	err = nftutil.Probe()
	if err == nil {
		err = checkLegacyForward()
	}
	if err != nil {
		return types.NewError(nftutil.ErrPluginNotAvailable, fmt.Sprintf("firewall: network %q: %v", conf.network, err), "")
	}
	return nil
}
