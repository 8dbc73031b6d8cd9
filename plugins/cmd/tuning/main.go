// Command tuning is cnictl's tuning plugin, a drop-in replacement for the
// reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/tuning"

// main runs the plugin; it does not return.
func main() { tuning.Plugin.Main() }
