package portmap

import (
	"errors"
	"log"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// records runs the verbs from the plugin's own state: ADD replaces the
// mappings an attachment installed before, DEL needs neither the
// namespace, nor prevResult, nor the replayed runtimeConfig, and deleting
// an attachment without mappings succeeds. Mappings that ADD replaces go
// as on DEL, their UDP flows with them.
var records = nftutil.Records[record, *ruleset]{
	Plugin:       pluginName,
	Connect:      openRuleset,
	Uninstall:    remove,
	NoPrevResult: errors.New("must be called as a chained plugin: no prevResult"),
	NotRecorded:  errors.New("no port mappings are recorded"),
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
