package ptp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
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

// hostVethName is the name of the host end of an attachment's veth pair:
// "veth" and 11 hex digits of a hash of the network, container ID and
// interface name, so that DEL finds it without the container's namespace.
func hostVethName(network, containerID, ifName string) string {
	sum := sha256.Sum256([]byte(network + "\x00" + containerID + "\x00" + ifName))
	return "veth" + hex.EncodeToString(sum[:])[:11]
}
