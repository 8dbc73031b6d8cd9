// Command static is cnictl's static IPAM plugin, a drop-in replacement for
// the reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/ipam/static"

// main runs the plugin; it does not return.
func main() { static.Plugin.Main() }
