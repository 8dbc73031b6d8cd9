package nftutil

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/utils"

	"github.com/cnictl/cnictl/plugins"
)

// Attachment identifies one container interface on one network.
type Attachment struct {
	Network     string `json:"network"`
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifName"`
}

// AttachmentOf is the attachment a command on network is about.
func AttachmentOf(network string, args *skel.CmdArgs) Attachment {
	return Attachment{Network: network, ContainerID: args.ContainerID, IfName: args.IfName}
}

// String names the attachment in messages, as plugins.Describe does.
func (a Attachment) String() string {
	return plugins.Describe(a.Network, &skel.CmdArgs{ContainerID: a.ContainerID, IfName: a.IfName})
}

// Comment is the comment of the attachment's set and map elements, for
// people reading `nft list ruleset`.
func (a Attachment) Comment() string {
	return truncate(a.Network + " " + a.ContainerID + " " + a.IfName)
}

// fileName names the attachment's files within its network: container IDs
// and interface names never hold ':'.
func (a Attachment) fileName() string { return a.ContainerID + ":" + a.IfName }

// ValidateNetwork checks a network name against the CNI specification, as
// libcni does; a valid name is safe as a file name.
func ValidateNetwork(name string) error {
	if err := utils.ValidateNetworkName(name); err != nil {
		return fmt.Errorf("invalid network name %q: %w", name, err)
	}
	return nil
}

// Validate checks the attachment's identifiers against the CNI
// specification, as libcni does, which keeps them safe in file names.
func (a Attachment) Validate() error {
	if err := ValidateNetwork(a.Network); err != nil {
		return err
	}
	if err := utils.ValidateContainerID(a.ContainerID); err != nil {
		return fmt.Errorf("invalid container ID %q: %w", a.ContainerID, err)
	}
	if err := utils.ValidateInterfaceName(a.IfName); err != nil {
		return fmt.Errorf("invalid ifname %q: %w", a.IfName, err)
	}
	return nil
}
