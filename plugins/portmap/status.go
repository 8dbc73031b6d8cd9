package portmap

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// cmdStatus reports the plugin unavailable, with CNI error code 50, when
// nftables cannot be programmed, since every ADD with mappings would then
// fail.
func cmdStatus(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := nftutil.Probe(); err != nil {
		return types.NewError(nftutil.ErrPluginNotAvailable, fmt.Sprintf("portmap: network %q: %v", conf.network, err), "")
	}
	return nil
}
