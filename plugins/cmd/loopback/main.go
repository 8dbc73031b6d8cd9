// Command loopback is cnictl's loopback plugin, a drop-in replacement for
// the reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/loopback"

// main runs the plugin; it does not return.
func main() { loopback.Plugin.Main() }
