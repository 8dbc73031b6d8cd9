// Command bandwidth is cnictl's bandwidth plugin, a drop-in replacement for
// the reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/bandwidth"

// main runs the plugin; it does not return.
func main() { bandwidth.Plugin.Main() }
