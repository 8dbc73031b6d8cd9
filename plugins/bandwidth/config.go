package bandwidth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/plugins"
)

// Limits are the bandwidth limits of an attachment, as in the bandwidth
// capability of CONVENTIONS.md: rates in bits per second, bursts in bits,
// 0 for no limit. A rate needs a burst and a burst needs a rate.
type Limits struct {
	IngressRate  uint64 `json:"ingressRate"`
	IngressBurst uint64 `json:"ingressBurst"`
	EgressRate   uint64 `json:"egressRate"`
	EgressBurst  uint64 `json:"egressBurst"`
}

// config is the reference plugin's configuration. As with the reference,
// field names match case-insensitively, so runtimeConfig.bandWidth is
// runtimeConfig.bandwidth.
type config struct {
	types.NetConf

	RuntimeConfig struct {
		Bandwidth *Limits `json:"bandwidth,omitempty"`
	} `json:"runtimeConfig,omitempty"`

	// Limits are the static limits; nil if the configuration sets none
	// of their fields.
	*Limits

	// Traffic classes are not supported; setting them is an error.
	ShapedSubnets   []string `json:"shapedSubnets,omitempty"`
	UnshapedSubnets []string `json:"unshapedSubnets,omitempty"`
}

// parseConfig parses the configuration without validating it, which is
// all DEL and GC need: a configuration that ADD rejected can still be
// deleted.
func parseConfig(args *skel.CmdArgs) (*config, error) {
	c := &config{}
	if err := json.Unmarshal(args.StdinData, c); err != nil {
		return nil, fmt.Errorf("bandwidth: parsing the network configuration: %w", err)
	}
	return c, nil
}

// loadConfig parses and validates the configuration of ADD and CHECK.
func loadConfig(args *skel.CmdArgs) (*config, error) {
	c, err := parseConfig(args)
	if err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("bandwidth: %s: %w", plugins.Describe(c.Name, args), err)
	}
	return c, nil
}

// validate rejects traffic classes and inconsistent limits.
func (c *config) validate() error {
	if len(c.ShapedSubnets) > 0 || len(c.UnshapedSubnets) > 0 {
		return errors.New("shapedSubnets and unshapedSubnets are not supported: remove them, every packet is shaped")
	}
	l := c.limits()
	if l == nil {
		return nil
	}
	if err := validateRateAndBurst("ingress", l.IngressRate, l.IngressBurst); err != nil {
		return err
	}
	return validateRateAndBurst("egress", l.EgressRate, l.EgressBurst)
}

// validateRateAndBurst applies the reference's rules to one direction.
func validateRateAndBurst(dir string, rate, burst uint64) error {
	switch {
	case burst == 0 && rate != 0:
		return fmt.Errorf("%sRate is set: %sBurst must be set too", dir, dir)
	case rate == 0 && burst != 0:
		return fmt.Errorf("%sBurst is set: %sRate must be set too", dir, dir)
	case burst/8 >= math.MaxUint32:
		return fmt.Errorf("%sBurst cannot be more than 4GB", dir)
	}
	return nil
}

// limits returns the limits in force: the static ones if the
// configuration sets any, else runtimeConfig's; nil if there are none.
func (c *config) limits() *Limits {
	if c.Limits == nil {
		return c.RuntimeConfig.Bandwidth
	}
	return c.Limits
}

// ingress reports whether l limits traffic to the container.
func (l *Limits) ingress() bool { return l != nil && l.IngressRate > 0 && l.IngressBurst > 0 }

// egress reports whether l limits traffic from the container.
func (l *Limits) egress() bool { return l != nil && l.EgressRate > 0 && l.EgressBurst > 0 }

// prevResult returns prevResult in the current version; it is required.
func (c *config) prevResult() (*current.Result, error) {
	result, err := plugins.PrevResult(&c.NetConf)
	if err == nil && result == nil {
		err = errors.New("required prevResult missing: bandwidth must be called as a chained plugin")
	}
	return result, err
}
