package ptp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
	"github.com/containernetworking/plugins/pkg/ns"
)

// netConf is the reference ptp plugin's configuration. The reference's
// ipMasqBackend is accepted and ignored: the nat package picks the backend.
type netConf struct {
	types.PluginConf
	// IPMasq masquerades the container's traffic leaving its subnet.
	IPMasq bool `json:"ipMasq"`
	// MTU of both ends of the veth pair; 0 keeps the kernel's default.
	MTU int `json:"mtu"`
}

// loadConfig parses the network configuration on stdin.
func loadConfig(args *skel.CmdArgs) (*netConf, error) {
	conf := &netConf{}
	if err := json.Unmarshal(args.StdinData, conf); err != nil {
		return nil, fmt.Errorf("ptp: parsing network configuration: %w", err)
	}
	if conf.MTU < 0 {
		return nil, fmt.Errorf("ptp: network %q: invalid mtu %d", conf.Name, conf.MTU)
	}
	return conf, nil
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

// hostVethName is the name of the host end of an attachment's veth pair:
// "veth" and 11 hex digits of a hash of the network, container ID and
// interface name, so that DEL finds it without the container's namespace.
func hostVethName(network, containerID, ifName string) string {
	sum := sha256.Sum256([]byte(network + "\x00" + containerID + "\x00" + ifName))
	return "veth" + hex.EncodeToString(sum[:])[:11]
}

// netnsGone reports whether err says that a namespace path does not exist
// or no longer holds a namespace.
func netnsGone(err error) bool {
	var notExist ns.NSPathNotExistErr
	var notNS ns.NSPathNotNSErr
	return errors.As(err, &notExist) || errors.As(err, &notNS)
}
