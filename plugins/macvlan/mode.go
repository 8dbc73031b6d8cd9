package macvlan

import (
	"fmt"

	"github.com/vishvananda/netlink"
)

// modes maps the configuration's mode names to the kernel's modes.
var modes = map[string]netlink.MacvlanMode{
	"bridge":   netlink.MACVLAN_MODE_BRIDGE,
	"private":  netlink.MACVLAN_MODE_PRIVATE,
	"vepa":     netlink.MACVLAN_MODE_VEPA,
	"passthru": netlink.MACVLAN_MODE_PASSTHRU,
}

// modeFromString returns the mode named s; "" is bridge.
func modeFromString(s string) (netlink.MacvlanMode, error) {
	if s == "" {
		s = "bridge"
	}
	m, ok := modes[s]
	if !ok {
		return 0, fmt.Errorf("unknown macvlan mode: %q", s)
	}
	return m, nil
}

// modeToString names the mode m.
func modeToString(m netlink.MacvlanMode) string {
	for name, mode := range modes {
		if mode == m {
			return name
		}
	}
	return fmt.Sprintf("mode(%d)", m)
}
