// Command macvlan is cnictl's macvlan plugin, a drop-in replacement for
// the reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/macvlan"

// main runs the plugin; it does not return.
func main() { macvlan.Plugin.Main() }
