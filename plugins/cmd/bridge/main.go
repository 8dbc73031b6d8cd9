// Command bridge is cnictl's bridge plugin, a drop-in replacement for the
// reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/bridge"

// main runs the plugin; it does not return.
func main() { bridge.Plugin.Main() }
