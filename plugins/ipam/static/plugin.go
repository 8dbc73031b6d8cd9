// Package static is the static IPAM plugin: it hands out exactly the
// addresses that the configuration or the runtime name, and keeps no state.
//
// It reads the reference plugin's configuration unchanged: ipam.addresses,
// ipam.routes and ipam.dns, addresses and gateways from CNI_ARGS (IP=,
// GATEWAY=), and addresses from args.cni.ips and runtimeConfig.ips, which
// replace the others in that order of precedence. runtimeConfig.mac is
// accepted and, as by the reference, left to the interface plugins.
package static

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the static IPAM plugin. With nothing allocated, it has
// nothing to release on DEL or collect on GC, and is always available.
var Plugin = plugins.Plugin{
	Type: "static",
	Funcs: skel.CNIFuncs{
		Add:   cmdAdd,
		Check: cmdCheck,
		Del:   cmdDel,
	},
	Versions: version.All,
	About:    "cnictl static IPAM plugin: assigns the addresses the configuration names",
}
