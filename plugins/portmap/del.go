package portmap

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// cmdDel removes the mappings the attachment's ADD installed, from the
// plugin's own state: neither the namespace, nor prevResult, nor the
// replayed runtimeConfig is needed. Deleting an attachment without
// mappings succeeds.
func cmdDel(args *skel.CmdArgs) error {
	var nc types.PluginConf
	if err := json.Unmarshal(args.StdinData, &nc); err != nil {
		return types.NewError(types.ErrDecodingFailure,
			fmt.Sprintf("portmap: decoding the network configuration: %v", err), "")
	}
	a := attachment(nc.Name, args)
	if err := del(a); err != nil {
		return fmt.Errorf("portmap: %s: %w", a, err)
	}
	return nil
}

// del removes the mappings of a.
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
	return remove(s, r, &rec)
}

// remove uninstalls rec and flushes the conntrack entries of its UDP
// ports, so that no flow keeps going to the container that is gone.
func remove(s *nftutil.Store, r *ruleset, rec *record) error {
	if err := uninstall(s, r, rec); err != nil {
		return err
	}
	if err := flushUDP(rec); err != nil {
		log.Printf("portmap: %s: %v", rec.Attachment, err)
	}
	return nil
}
