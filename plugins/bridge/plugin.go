// Package bridge is the bridge plugin: it connects containers to a Linux
// bridge on the host through veth pairs and configures their addresses
// with an IPAM plugin. It takes the reference plugin's configuration and
// returns its result layout: interfaces bridge, host veth and container
// interface (with its sandbox), every IP on the container interface.
//
// Over the reference it masquerades (ipMasq) through cnictl's nftables
// table, one map element per container (package nat), and checks MAC
// spoofing (macspoofchk) the same way; both are removed on DEL from
// cnictl's own state even when the container's namespace is gone, and
// both are collected by GC, which also delegates to the IPAM plugin. CHECK
// also verifies them. It does not support VLAN filtering (vlan,
// vlanTrunk): configurations that use it are rejected.
package bridge

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/plugins"
)

// Plugin is the bridge plugin.
var Plugin = plugins.Plugin{
	Type: "bridge",
	Funcs: skel.CNIFuncs{
		Add:    cmdAdd,
		Check:  cmdCheck,
		Del:    cmdDel,
		GC:     cmdGC,
		Status: cmdStatus,
	},
	Versions: version.All,
	About:    "cnictl bridge plugin: connects containers to a Linux bridge through veth pairs",
}
