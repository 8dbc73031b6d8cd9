package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins/internal/macargs"
	"github.com/cnictl/cnictl/plugins/internal/nat"
)

// defaultBridge is the bridge used when the configuration names none.
const defaultBridge = "cni0"

// config is the plugin configuration, the reference plugin's fields.
type config struct {
	types.NetConf
	Bridge                    string `json:"bridge"`
	IsGateway                 bool   `json:"isGateway"`
	IsDefaultGateway          bool   `json:"isDefaultGateway"`
	ForceAddress              bool   `json:"forceAddress"`
	IPMasq                    bool   `json:"ipMasq"`
	MTU                       int    `json:"mtu"`
	HairpinMode               bool   `json:"hairpinMode"`
	PromiscMode               bool   `json:"promiscMode"`
	MacSpoofChk               bool   `json:"macspoofchk"`
	EnableDad                 bool   `json:"enabledad"`
	DisableContainerInterface bool   `json:"disableContainerInterface"`
	PortIsolation             bool   `json:"portIsolation"`

	// The reference's ipMasqBackend picks iptables or nftables; this
	// plugin always uses nftables, and accepts either value for
	// compatibility.
	IPMasqBackend *string `json:"ipMasqBackend,omitempty"`

	// VLAN filtering is not supported: a vlan or a non-empty vlanTrunk is
	// an error (null and [] mean none, as in the reference).
	// preserveDefaultVlan is accepted alone: as in the reference, it only
	// matters with one of them.
	Vlan                int             `json:"vlan"`
	VlanTrunk           json.RawMessage `json:"vlanTrunk,omitempty"`
	PreserveDefaultVlan bool            `json:"preserveDefaultVlan"`

	Args struct {
		CNI struct {
			MAC string `json:"mac,omitempty"`
		} `json:"cni"`
	} `json:"args"`
	RuntimeConfig struct {
		MAC string `json:"mac,omitempty"`
	} `json:"runtimeConfig"`

	// mac is the container interface's MAC address, from CNI_ARGS,
	// args or runtimeConfig (the last one set wins); empty for a random
	// one.
	mac string
}

// loadConfig parses the configuration of a command. Only ADD validates
// it: DEL must clean up after a configuration that ADD refused.
func loadConfig(args *skel.CmdArgs) (*config, error) {
	c := &config{Bridge: defaultBridge}
	if err := json.Unmarshal(args.StdinData, c); err != nil {
		return nil, fmt.Errorf("bridge: parsing the network configuration: %w", err)
	}
	if c.Bridge == "" {
		c.Bridge = defaultBridge
	}
	mac, err := macargs.Pick("", args.Args, c.Args.CNI.MAC, c.RuntimeConfig.MAC)
	if err != nil {
		return nil, fmt.Errorf("bridge: network %q: %w", c.Name, err)
	}
	c.mac = mac
	if c.IsDefaultGateway {
		c.IsGateway = true
	}
	return c, nil
}

// validate rejects, for ADD, what the plugin cannot do.
func (c *config) validate() error {
	var trunk []json.RawMessage
	if len(c.VlanTrunk) > 0 {
		if err := json.Unmarshal(c.VlanTrunk, &trunk); err != nil {
			return fmt.Errorf("vlanTrunk: want a list: %w", err)
		}
	}
	if c.Vlan != 0 || len(trunk) > 0 {
		return errors.New("VLAN filtering not supported: remove vlan and vlanTrunk")
	}
	if b := c.IPMasqBackend; b != nil && *b != "iptables" && *b != "nftables" {
		return fmt.Errorf("unknown ipMasqBackend %q", *b)
	}
	if c.HairpinMode && c.PromiscMode {
		return errors.New("cannot set hairpin mode and promiscuous mode at the same time")
	}
	if c.layer3() && c.DisableContainerInterface {
		return errors.New("cannot use IPAM when disableContainerInterface is set")
	}
	if c.mac != "" {
		if _, err := net.ParseMAC(c.mac); err != nil {
			return fmt.Errorf("invalid MAC address %q: %w", c.mac, err)
		}
	}
	if len(c.Bridge) > 15 {
		return fmt.Errorf("bridge name %q is longer than 15 characters", c.Bridge)
	}
	return nil
}

// layer3 reports whether the plugin configures addresses (through IPAM).
func (c *config) layer3() bool { return c.IPAM.Type != "" }

// attachment names the attachment of a command for package nat and for
// the MAC spoof check.
func (c *config) attachment(args *skel.CmdArgs) nat.Attachment {
	return nat.Attachment{Network: c.Name, ContainerID: args.ContainerID, IfName: args.IfName}
}
