package tuning

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/plugins"
	"github.com/cnictl/cnictl/plugins/internal/macargs"
)

// defaultDataDir holds the backups when the configuration names no
// dataDir: the reference plugin's default.
const defaultDataDir = "/run/cni/tuning"

// base is the part of the configuration that DEL and GC need. They parse
// nothing else, so that a configuration that ADD rejected can still be
// deleted.
type base struct {
	types.NetConf
	// DataDir holds the backups of the original values.
	DataDir string `json:"dataDir,omitempty"`
}

// config is the reference plugin's configuration.
type config struct {
	base
	SysCtl   sysctls `json:"sysctl"`
	Mac      string  `json:"mac,omitempty"`
	Promisc  bool    `json:"promisc,omitempty"`
	Mtu      int     `json:"mtu,omitempty"`
	TxQLen   *int    `json:"txQLen,omitempty"`
	Allmulti *bool   `json:"allmulti,omitempty"`

	RuntimeConfig struct {
		Mac string `json:"mac,omitempty"`
	} `json:"runtimeConfig,omitempty"`
	Args *struct {
		CNI *cniArgs `json:"cni"`
	} `json:"args"`

	// settings are the sysctls to write, in the order of their keys.
	settings []setting
}

// cniArgs are the fields of args.cni, which override the configuration.
type cniArgs struct {
	SysCtl   sysctls `json:"sysctl"`
	Mac      *string `json:"mac,omitempty"`
	Promisc  *bool   `json:"promisc,omitempty"`
	Mtu      *int    `json:"mtu,omitempty"`
	Allmulti *bool   `json:"allmulti,omitempty"`
	TxQLen   *int    `json:"txQLen,omitempty"`
}

// loadBase parses the part of the configuration that DEL and GC need.
func loadBase(args *skel.CmdArgs) (*base, error) {
	b := &base{}
	if err := json.Unmarshal(args.StdinData, b); err != nil {
		return nil, fmt.Errorf("tuning: parsing the network configuration: %w", err)
	}
	b.setDefaults()
	return b, nil
}

// setDefaults fills in what the configuration leaves out.
func (b *base) setDefaults() {
	if b.DataDir == "" {
		b.DataDir = defaultDataDir
	}
}

// loadConfig parses the configuration of ADD and CHECK and applies the
// overrides in the reference's order: CNI_ARGS MAC, then runtimeConfig
// mac, then args.cni. It validates the result against args.IfName.
func loadConfig(args *skel.CmdArgs) (*config, error) {
	c := &config{}
	if err := json.Unmarshal(args.StdinData, c); err != nil {
		return nil, fmt.Errorf("tuning: parsing the network configuration: %w", err)
	}
	c.setDefaults()
	if err := c.resolve(args); err != nil {
		return nil, fmt.Errorf("tuning: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return c, nil
}

// resolve applies the overrides and validates the configuration.
func (c *config) resolve(args *skel.CmdArgs) error {
	mac, err := macargs.Pick(c.Mac, args.Args, c.RuntimeConfig.Mac)
	if err != nil {
		return err
	}
	c.Mac = mac
	if c.Args != nil && c.Args.CNI != nil {
		c.applyArgs(c.Args.CNI)
	}
	return c.validate(args.IfName)
}

// applyArgs overrides the configuration with what args.cni sets.
func (c *config) applyArgs(a *cniArgs) {
	if len(a.SysCtl) > 0 && c.SysCtl == nil {
		c.SysCtl = sysctls{}
	}
	for k, v := range a.SysCtl {
		c.SysCtl[k] = v
	}
	if a.Mac != nil {
		c.Mac = *a.Mac
	}
	if a.Promisc != nil {
		c.Promisc = *a.Promisc
	}
	if a.Mtu != nil {
		c.Mtu = *a.Mtu
	}
	if a.Allmulti != nil {
		c.Allmulti = a.Allmulti
	}
	if a.TxQLen != nil {
		c.TxQLen = a.TxQLen
	}
}

// validate checks the values and resolves the sysctl keys for ifName.
func (c *config) validate(ifName string) error {
	if strings.Contains(ifName, "/") {
		return fmt.Errorf("interface name %q contains '/'", ifName)
	}
	if c.Mac != "" {
		hw, err := net.ParseMAC(c.Mac)
		if err != nil {
			return fmt.Errorf("invalid MAC address %q: %w", c.Mac, err)
		}
		c.Mac = hw.String()
	}
	if c.Mtu < 0 {
		return fmt.Errorf("invalid mtu %d", c.Mtu)
	}
	if c.TxQLen != nil && *c.TxQLen < 0 {
		return fmt.Errorf("invalid txQLen %d", *c.TxQLen)
	}
	settings, err := c.SysCtl.resolve(ifName)
	if err != nil {
		return err
	}
	c.settings = settings
	return nil
}

// changesLink reports whether the configuration changes the interface.
func (c *config) changesLink() bool {
	return c.Mac != "" || c.Mtu != 0 || c.Promisc || c.Allmulti != nil || c.TxQLen != nil
}

// prevResult returns prevResult in the current version; it is required.
func (c *config) prevResult() (*current.Result, error) {
	result, err := plugins.PrevResult(&c.NetConf)
	if err == nil && result == nil {
		err = errors.New("required prevResult missing")
	}
	return result, err
}
