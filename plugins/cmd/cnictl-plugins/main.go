// Command cnictl-plugins is every bundled CNI plugin in one executable. It
// runs the plugin whose type is the name it was invoked by (argv[0]), so an
// installation is this file plus one hard link per plugin type. Invoked
// under its own name, it lists the plugin types, one a line, for installers.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/bandwidth"
	"github.com/cnictl/cnictl/plugins/bridge"
	"github.com/cnictl/cnictl/plugins/firewall"
	"github.com/cnictl/cnictl/plugins/ipam/hostlocal"
	"github.com/cnictl/cnictl/plugins/ipam/static"
	"github.com/cnictl/cnictl/plugins/loopback"
	"github.com/cnictl/cnictl/plugins/macvlan"
	"github.com/cnictl/cnictl/plugins/portmap"
	"github.com/cnictl/cnictl/plugins/ptp"
	"github.com/cnictl/cnictl/plugins/tuning"
)

// bundled are the plugins this executable carries.
var bundled = []plugins.Plugin{
	bandwidth.Plugin,
	bridge.Plugin,
	firewall.Plugin,
	hostlocal.Plugin,
	loopback.Plugin,
	macvlan.Plugin,
	portmap.Plugin,
	ptp.Plugin,
	static.Plugin,
	tuning.Plugin,
}

func main() {
	name := filepath.Base(os.Args[0])
	for _, p := range bundled {
		if p.Type == name {
			p.Main()
			return
		}
	}
	if name != "cnictl-plugins" {
		fmt.Fprintf(os.Stderr, "cnictl-plugins: no bundled plugin of type %q; link this executable under one of the names it lists\n", name)
		os.Exit(1)
	}
	for _, p := range bundled {
		fmt.Println(p.Type)
	}
}
