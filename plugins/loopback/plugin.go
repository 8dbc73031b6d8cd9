// Package loopback is the loopback plugin: it brings the loopback device of
// a container's network namespace up on ADD and down on DEL, whatever
// interface name the runtime asks for, like the reference plugin of the same
// type.
//
// ADD reports lo and its first IPv4 and IPv6 addresses, or passes a
// prevResult through unchanged when the plugin is chained after another one.
// DEL succeeds when the namespace is already gone, and leaves lo up when
// the prevResult shows it chained after an interface plugin: lo belongs to
// the namespace, which the container's other attachments share. CHECK verifies that lo is
// up. Unlike the reference, which prints its own result in the 1.0.0
// layout whatever the cniVersion, it prints it in the layout of the
// configuration's cniVersion.
package loopback

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the loopback plugin.
var Plugin = plugins.Plugin{
	Type: "loopback",
	Funcs: skel.CNIFuncs{
		Add:   cmdAdd,
		Check: cmdCheck,
		Del:   cmdDel,
	},
	Versions: version.All,
	About:    "cnictl loopback plugin: brings the loopback device of a container up",
}

// ifName is the only interface this plugin manages, whatever CNI_IFNAME
// says.
const ifName = "lo"
