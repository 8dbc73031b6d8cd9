package macvlan

import (
	"encoding/json"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/macargs"
)

// netConf is the reference macvlan plugin's configuration.
type netConf struct {
	types.PluginConf
	// Master is the parent interface; "" means the default route's.
	Master string `json:"master"`
	// Mode is bridge (the default), private, vepa or passthru.
	Mode string `json:"mode"`
	// MTU of the macvlan, at most the master's; 0 means the master's.
	MTU int `json:"mtu"`
	// Mac is the macvlan's MAC address; CNI_ARGS MAC and then
	// runtimeConfig.mac override it.
	Mac string `json:"mac,omitempty"`
	// LinkContNs says that the master lives in the container's namespace.
	LinkContNs bool `json:"linkInContainer,omitempty"`
	// BcQueueLen is the length of the broadcast queue; 0 keeps the
	// kernel's default.
	BcQueueLen uint32 `json:"bcqueuelen,omitempty"`

	RuntimeConfig struct {
		Mac string `json:"mac,omitempty"`
	} `json:"runtimeConfig,omitempty"`
}

// parseConfig parses the network configuration on stdin without looking
// at the system.
func parseConfig(stdin []byte) (*netConf, error) {
	conf := &netConf{}
	if err := json.Unmarshal(stdin, conf); err != nil {
		return nil, fmt.Errorf("macvlan: parsing network configuration: %w", err)
	}
	return conf, nil
}

// loadConfig parses the configuration, resolves the master, checks the MTU
// against it and picks the MAC address.
func loadConfig(args *skel.CmdArgs) (*netConf, error) {
	conf, err := parseConfig(args.StdinData)
	if err != nil {
		return nil, err
	}
	if err := conf.resolve(args); err != nil {
		return nil, fmt.Errorf("macvlan: %s: %w", plugins.Describe(conf.Name, args), err)
	}
	return conf, nil
}

// resolve fills in the master, checks the MTU and the mode and applies the
// MAC address overrides.
func (c *netConf) resolve(args *skel.CmdArgs) error {
	if _, err := modeFromString(c.Mode); err != nil {
		return err
	}
	if c.Master == "" {
		name, err := defaultRouteInterface(args.Netns, c.LinkContNs)
		if err != nil {
			return fmt.Errorf("finding the default master: %w", err)
		}
		c.Master = name
	}
	master, err := findMaster(c.Master, args.Netns, c.LinkContNs)
	if err != nil {
		return err
	}
	if maxMTU := master.Attrs().MTU; c.MTU < 0 || c.MTU > maxMTU {
		return fmt.Errorf("invalid MTU %d, must be [0, master MTU(%d)]", c.MTU, maxMTU)
	}
	if c.Mac, err = macargs.Pick(c.Mac, args.Args, c.RuntimeConfig.Mac); err != nil {
		return err
	}
	if c.Mac != "" {
		if _, err := net.ParseMAC(c.Mac); err != nil {
			return fmt.Errorf("invalid MAC address %q: %w", c.Mac, err)
		}
	}
	return nil
}
