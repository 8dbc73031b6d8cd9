// Package plugins holds cnictl's bundled CNI plugins. Each plugin's logic
// is an importable package below this directory that describes itself with
// a Plugin value. plugins/cmd/<type> holds a thin main per plugin, and
// plugins/cmd/cnictl-plugins is a multi-call binary that runs the plugin
// named by argv[0], so one executable, hard-linked once per plugin type,
// serves them all. The functions beside Plugin are what the plugins share
// in handling a command: naming its attachment, reading prevResult, telling
// a namespace that is gone, and the CNI error codes the cni library does
// not declare.
package plugins

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/version"
)

// Plugin is one bundled plugin.
type Plugin struct {
	// Type is the plugin's "type" in network configurations, and the
	// name of its executable: the same as the reference plugin's.
	Type string
	// Funcs implement the verbs.
	Funcs skel.CNIFuncs
	// Versions are the spec versions the plugin accepts.
	Versions version.PluginInfo
	// About is printed by the executable when run by hand.
	About string
}

// Main runs p as a CNI plugin process and does not return.
func (p Plugin) Main() {
	skel.PluginMainFuncs(p.Funcs, p.Versions, p.About)
}
