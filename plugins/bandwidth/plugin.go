// Package bandwidth is the bandwidth plugin, a chained plugin that limits
// the rate of a container's traffic with token bucket filters on the host,
// the reference plugin's way: ingress (traffic to the container) with a
// tbf qdisc on the host-side veth, egress (traffic from the container)
// with an ifb device, to which a u32 filter with a mirred action redirects
// what arrives on the host-side veth, and a tbf qdisc on the ifb. It takes
// the reference plugin's configuration: limits in the configuration, or
// else in runtimeConfig.bandwidth.
//
// The ifb is named as the reference names it, from the network and the
// container ID, so either plugin can delete what the other made. Over the
// reference, the ifb carries an alias naming the attachment, which lets GC
// remove the ifbs of attachments that are no longer valid; DEL also
// removes the qdiscs from the host-side veth while it exists; ADD undoes
// what it did when it fails; CHECK also verifies the redirect. Traffic
// classes (shapedSubnets, unshapedSubnets), which the reference v1.9.1
// does not support either, are rejected.
package bandwidth

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the bandwidth plugin.
var Plugin = plugins.Plugin{
	Type: "bandwidth",
	Funcs: skel.CNIFuncs{
		Add:   cmdAdd,
		Check: cmdCheck,
		Del:   cmdDel,
		GC:    cmdGC,
	},
	Versions: version.VersionsStartingFrom("0.3.0"),
	About:    "cnictl bandwidth plugin: limits a container's traffic with token bucket filters",
}
