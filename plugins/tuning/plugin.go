// Package tuning is the tuning plugin, a chained plugin that changes the
// container interface and the container's network sysctls: net.* sysctls,
// MAC address, MTU, promiscuous and all-multicast mode and transmit queue
// length. It takes the reference plugin's configuration (including
// args.cni, CNI_ARGS MAC, runtimeConfig mac and the sysctl allowlist in
// /etc/cni/tuning/allowlist.conf) and passes prevResult through, with the
// new MAC address of the container interface when it changed.
//
// ADD saves what it changes in the reference's backup file under dataDir,
// which DEL restores. Over the reference it also saves and restores the
// sysctls, writes the backup before changing anything and undoes its
// changes when ADD fails, removes the backup when the namespace or the
// interface is gone, and collects the backups of invalid attachments on GC.
package tuning

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the tuning plugin.
var Plugin = plugins.Plugin{
	Type: "tuning",
	Funcs: skel.CNIFuncs{
		Add:   cmdAdd,
		Check: cmdCheck,
		Del:   cmdDel,
		GC:    cmdGC,
	},
	Versions: version.All,
	About:    "cnictl tuning plugin: sets sysctls and interface attributes in the container",
}
