package macvlan

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
	"github.com/containernetworking/plugins/pkg/ns"
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

// envArgs are the CNI_ARGS the plugin reads.
type envArgs struct {
	types.CommonArgs
	MAC types.UnmarshallableString `json:"mac,omitempty"`
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
		return nil, fmt.Errorf("macvlan: %s: %w", describe(conf, args), err)
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
	if args.Args != "" {
		var e envArgs
		if err := types.LoadArgs(args.Args, &e); err != nil {
			return fmt.Errorf("parsing CNI_ARGS: %w", err)
		}
		if e.MAC != "" {
			c.Mac = string(e.MAC)
		}
	}
	if c.RuntimeConfig.Mac != "" {
		c.Mac = c.RuntimeConfig.Mac
	}
	if c.Mac != "" {
		if _, err := net.ParseMAC(c.Mac); err != nil {
			return fmt.Errorf("invalid MAC address %q: %w", c.Mac, err)
		}
	}
	return nil
}

// prevResult returns the configuration's prevResult at the current
// version, or nil when there is none.
func (c *netConf) prevResult() (*current.Result, error) {
	if c.RawPrevResult == nil {
		return nil, nil
	}
	if err := version.ParsePrevResult(&c.PluginConf); err != nil {
		return nil, fmt.Errorf("parsing prevResult: %w", err)
	}
	res, err := current.NewResultFromResult(c.PrevResult)
	if err != nil {
		return nil, fmt.Errorf("converting prevResult to version %s: %w", current.ImplementedSpecVersion, err)
	}
	return res, nil
}

// describe names the network, container and interface of a command in
// error messages.
func describe(conf *netConf, args *skel.CmdArgs) string {
	return fmt.Sprintf("network %q, container %q, ifname %q", conf.Name, args.ContainerID, args.IfName)
}

// netnsGone reports whether err says that a namespace path does not exist
// or no longer holds a namespace.
func netnsGone(err error) bool {
	var notExist ns.NSPathNotExistErr
	var notNS ns.NSPathNotNSErr
	return errors.As(err, &notExist) || errors.As(err, &notNS)
}
