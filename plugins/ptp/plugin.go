// Package ptp is the ptp plugin: it connects a container to the host with a
// veth pair and routes between them, without a bridge, like the reference
// plugin of the same type and with the same configuration.
//
// The container end gets the addresses from IPAM with every packet sent
// through the gateway: its subnet route is replaced by a /32 (/128) link
// route to the gateway and a route to the subnet via the gateway. The host
// end carries each gateway address as a /32 (/128) and a host route to each
// container address. ipMasq masquerades the container's traffic to
// destinations outside its subnet, through cnictl's nat package.
//
// Over the reference, the host end has a name derived from the attachment,
// so DEL finds and removes it, and its NAT, even when the container's
// namespace is gone or the configuration no longer sets ipMasq; DEL
// releases the addresses only once nothing routes them any more, and
// removes a container interface only if it is a veth into another
// namespace; a failed ADD removes everything it made; an IPAM result
// without a gateway is refused; the IPv6 gateway addresses skip duplicate
// address detection, being the same on every host end by design; CHECK
// also verifies the host end and the NAT rules; and GC is delegated to
// IPAM and to the nat package.
package ptp

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the ptp plugin.
var Plugin = plugins.Plugin{
	Type: "ptp",
	Funcs: skel.CNIFuncs{
		Add:    cmdAdd,
		Check:  cmdCheck,
		Del:    cmdDel,
		GC:     cmdGC,
		Status: cmdStatus,
	},
	Versions: version.All,
	About:    "cnictl ptp plugin: routes a container through a veth pair without a bridge",
}
