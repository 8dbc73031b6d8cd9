// Package hostlocal is the host-local IPAM plugin. It hands out addresses
// from the ranges of a network and records every allocation as one file on
// the host, in the reference plugin's on-disk layout and under its lock, so
// that this plugin and the reference one can serve the same allocation
// directory, even at the same time.
//
// The configuration is the reference's, parsed by the reference's allocator
// package; allocation goes through the same allocator and disk store. Over
// the reference it adds GC and STATUS, rejects a second ADD of the same
// attachment, takes several comma-separated addresses in CNI_ARGS IP, and
// says in its errors which address, range and container are involved.
package hostlocal

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the host-local IPAM plugin.
var Plugin = plugins.Plugin{
	Type: "host-local",
	Funcs: skel.CNIFuncs{
		Add:    cmdAdd,
		Check:  cmdCheck,
		Del:    cmdDel,
		GC:     cmdGC,
		Status: cmdStatus,
	},
	Versions: version.All,
	About:    "cnictl host-local IPAM plugin: allocates addresses from ranges and records them on the host",
}
