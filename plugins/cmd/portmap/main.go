// Command portmap is cnictl's portmap plugin, a drop-in replacement for
// the reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/portmap"

// main runs the plugin; it does not return.
func main() { portmap.Plugin.Main() }
