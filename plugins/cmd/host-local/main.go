// Command host-local is cnictl's host-local IPAM plugin, a drop-in
// replacement for the reference plugin of the same name.
package main

import "github.com/cnictl/cnictl/plugins/ipam/hostlocal"

// main runs the plugin; it does not return.
func main() { hostlocal.Plugin.Main() }
