package loopback

import (
	"encoding/json"
	"fmt"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
)

// loadConfig parses the network configuration and its prevResult, if any.
func loadConfig(stdin []byte) (*types.NetConf, error) {
	conf := &types.NetConf{}
	if err := json.Unmarshal(stdin, conf); err != nil {
		return nil, fmt.Errorf("loopback: parsing network configuration: %w", err)
	}
	if conf.RawPrevResult == nil {
		return conf, nil
	}
	if err := version.ParsePrevResult(conf); err != nil {
		return nil, fmt.Errorf("loopback: parsing prevResult: %w", err)
	}
	if _, err := current.NewResultFromResult(conf.PrevResult); err != nil {
		return nil, fmt.Errorf("loopback: converting prevResult to version %s: %w", current.ImplementedSpecVersion, err)
	}
	return conf, nil
}
