// Package macvlan is the macvlan plugin: it gives a container a macvlan
// interface on a master interface of the host, or of the container itself
// with linkInContainer, like the reference plugin of the same type and with
// the same configuration.
//
// The master defaults to the interface of the default route. IPAM is
// optional: without it the interface is only brought up and the result
// lists no addresses. Over the reference, a failed ADD removes everything
// it made, DEL removes only a macvlan and releases the addresses once the
// interface is gone, GC is delegated to IPAM, and STATUS also reports a
// missing master.
package macvlan

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the macvlan plugin.
var Plugin = plugins.Plugin{
	Type: "macvlan",
	Funcs: skel.CNIFuncs{
		Add:    cmdAdd,
		Check:  cmdCheck,
		Del:    cmdDel,
		GC:     cmdGC,
		Status: cmdStatus,
	},
	Versions: version.All,
	About:    "cnictl macvlan plugin: gives a container a macvlan interface on a master interface",
}
