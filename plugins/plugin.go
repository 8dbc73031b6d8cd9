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
	"errors"
	"strings"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
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
	skel.PluginMainFuncs(keepContext(p.Funcs), p.Versions, p.About)
}

// keepContext makes the errors of funcs keep the context they were wrapped
// in. skel prints the innermost CNI error of a chain as it is, so an
// error a delegated plugin returned (IPAM's, with its code) would lose the
// network and container this plugin added; instead it becomes one CNI
// error with the inner code and details and the whole message.
func keepContext(funcs skel.CNIFuncs) skel.CNIFuncs {
	wrap := func(f func(*skel.CmdArgs) error) func(*skel.CmdArgs) error {
		if f == nil {
			return nil
		}
		return func(args *skel.CmdArgs) error {
			err := f(args)
			var cniErr *types.Error
			if err == nil || !errors.As(err, &cniErr) || error(cniErr) == err {
				return err
			}
			// The inner error's details stay apart, as it gave them.
			msg := err.Error()
			if inner := cniErr.Error(); strings.HasSuffix(msg, inner) {
				msg = strings.TrimSuffix(msg, inner) + cniErr.Msg
			}
			return &types.Error{Code: cniErr.Code, Msg: msg, Details: cniErr.Details}
		}
	}
	return skel.CNIFuncs{Add: wrap(funcs.Add), Del: wrap(funcs.Del), Check: wrap(funcs.Check), GC: wrap(funcs.GC), Status: wrap(funcs.Status)}
}
