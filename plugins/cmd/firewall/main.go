// Command firewall is cnictl's firewall plugin, a drop-in replacement for
// the reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/firewall"

// main runs the plugin; it does not return.
func main() { firewall.Plugin.Main() }
