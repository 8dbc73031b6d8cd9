// Command ptp is cnictl's ptp plugin, a drop-in replacement for the
// reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/ptp"

// main runs the plugin; it does not return.
func main() { ptp.Plugin.Main() }
