package firewall

import (
	"errors"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// records removes what attachments installed, from the plugin's own state:
// DEL needs neither the namespace nor prevResult, and deleting an
// attachment the plugin does not know succeeds.
var records = nftutil.Records[record, *ruleset]{
	Plugin:      pluginName,
	Connect:     openRuleset,
	Uninstall:   uninstall,
	NotRecorded: errors.New("nothing is recorded for the attachment"),
}
