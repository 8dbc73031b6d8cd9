package firewall

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// cmdDel removes what the attachment's ADD installed, from the plugin's
// own state: neither the namespace nor prevResult is needed. Deleting an
// attachment the plugin does not know succeeds.
func cmdDel(args *skel.CmdArgs) error {
	var nc types.PluginConf
	if err := json.Unmarshal(args.StdinData, &nc); err != nil {
		return types.NewError(types.ErrDecodingFailure,
			fmt.Sprintf("firewall: decoding the network configuration: %v", err), "")
	}
	a := attachment(nc.Name, args)
	if err := del(a); err != nil {
		return fmt.Errorf("firewall: %s: %w", a, err)
	}
	return nil
}

// del removes what a installed.
func del(a nftutil.Attachment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	s, err := nftutil.Open(nftutil.StateDir(pluginName), false)
	if errors.Is(err, nftutil.ErrNoState) {
		return nil
	}
	if err != nil {
		return err
	}
	defer s.Close()
	var rec record
	ok, err := s.ReadRecord(a, &rec)
	if err != nil || !ok {
		return err
	}
	r, err := openRuleset()
	if err != nil {
		return err
	}
	defer r.close()
	return uninstall(s, r, &rec)
}
