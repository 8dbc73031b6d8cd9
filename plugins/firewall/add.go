package firewall

import (
	"errors"
	"fmt"

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
	a := nftutil.AttachmentOf(conf.network, args)
	if conf.prevResult == nil {
		return fmt.Errorf("firewall: %s: missing prevResult from earlier plugin", a)
	}
	if err := add(conf, a); err != nil {
		return fmt.Errorf("firewall: %s: %w", a, err)
	}
	return types.PrintResult(conf.prevResult, conf.cniVersion)
}

// add replaces what a had installed, if anything, with what conf asks for.
func add(conf *config, a nftutil.Attachment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	rec, err := newRecord(conf, a)
	if err != nil {
		return err
	}
	if err := checkLegacyForward(); err != nil {
		return err
	}
	s, err := nftutil.Open(nftutil.StateDir(pluginName), true)
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
			return fmt.Errorf("removing what the previous ADD installed: %w", err)
		}
	}
	if len(rec.Addresses) == 0 && rec.Bridge == "" {
		return nil
	}
	if err := install(s, r, rec); err != nil {
		if undoErr := uninstall(s, r, rec); undoErr != nil {
			err = errors.Join(err, fmt.Errorf("removing what was set up: %w", undoErr))
		}
		return err
	}
	return nil
}
