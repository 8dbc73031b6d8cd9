package static

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
)

// cmdCheck verifies that every configured address is in prevResult, with
// the configured gateway if there is one.
func cmdCheck(args *skel.CmdArgs) error {
	conf, err := loadConfig(args.StdinData, args.Args)
	if err != nil {
		return err
	}
	if err := check(conf, args.StdinData); err != nil {
		return fmt.Errorf("static: network %q, container %q, ifname %q: %w", conf.Name, args.ContainerID, args.IfName, err)
	}
	return nil
}

// check compares the configured addresses with the prevResult on stdin.
func check(conf *config, stdin []byte) error {
	var pc types.PluginConf
	if err := json.Unmarshal(stdin, &pc); err != nil {
		return fmt.Errorf("decoding the network configuration: %w", err)
	}
	if pc.RawPrevResult == nil {
		return errors.New("prevResult is missing: CHECK needs the result of ADD")
	}
	if err := version.ParsePrevResult(&pc); err != nil {
		return fmt.Errorf("parsing prevResult: %w", err)
	}
	prev, err := current.NewResultFromResult(pc.PrevResult)
	if err != nil {
		return fmt.Errorf("converting prevResult: %w", err)
	}
	for _, want := range conf.Addresses {
		if err := findAddress(prev.IPs, want); err != nil {
			return err
		}
	}
	return nil
}

// findAddress checks that ips hold want with its gateway.
func findAddress(ips []*current.IPConfig, want *address) error {
	for _, got := range ips {
		if !got.Address.IP.Equal(want.IPNet.IP) {
			continue
		}
		if want.Gateway != nil && !want.Gateway.Equal(got.Gateway) {
			return fmt.Errorf("address %s has gateway %v in prevResult, configured %s", want.IPNet.String(), got.Gateway, want.Gateway)
		}
		return nil
	}
	return fmt.Errorf("address %s is configured but not in prevResult", want.IPNet.String())
}
