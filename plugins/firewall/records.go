package firewall

import (
	"errors"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// records runs the verbs from the plugin's own state: ADD replaces what
// an attachment installed before, DEL needs neither the namespace nor
// prevResult, and deleting an attachment the plugin does not know
// succeeds.
var records = nftutil.Records[record, *ruleset]{
	Plugin:       pluginName,
	Connect:      openRuleset,
	Uninstall:    uninstall,
	NoPrevResult: errors.New("missing prevResult from earlier plugin"),
	NotRecorded:  errors.New("nothing is recorded for the attachment"),
}
