package nftutil

import (
	"fmt"
	"regexp"
	"strings"
)

// Attachment identifies one container interface on one network.
type Attachment struct {
	Network     string `json:"network"`
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifName"`
}

// String names the attachment in messages.
func (a Attachment) String() string {
	return fmt.Sprintf("network %q, container %q, ifname %q", a.Network, a.ContainerID, a.IfName)
}

// maxComment bounds the comments cnictl puts on nftables objects (the kernel
// takes 256 bytes of user data, type and length included).
const maxComment = 200

// Comment is the comment of the attachment's set and map elements, for
// people reading `nft list ruleset`.
func (a Attachment) Comment() string {
	c := a.Network + " " + a.ContainerID + " " + a.IfName
	if len(c) > maxComment {
		c = c[:maxComment]
	}
	return c
}

// fileName names the attachment's files within its network: container IDs
// and interface names never hold ':'.
func (a Attachment) fileName() string { return a.ContainerID + ":" + a.IfName }

// idPattern is what the CNI specification allows in network names and
// container IDs.
var idPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`)

// ValidateNetwork checks a network name against the CNI specification; a
// valid name is safe as a file name.
func ValidateNetwork(name string) error {
	if !idPattern.MatchString(name) {
		return fmt.Errorf("invalid network name %q: it must start with a letter or digit and hold only letters, digits, '_', '.' and '-'", name)
	}
	return nil
}

// Validate checks the attachment's identifiers against the CNI
// specification, which keeps them safe in file names.
func (a Attachment) Validate() error {
	if err := ValidateNetwork(a.Network); err != nil {
		return err
	}
	if !idPattern.MatchString(a.ContainerID) {
		return fmt.Errorf("invalid container ID %q: it must start with a letter or digit and hold only letters, digits, '_', '.' and '-'", a.ContainerID)
	}
	switch {
	case a.IfName == "", a.IfName == ".", a.IfName == "..", len(a.IfName) > 15,
		strings.ContainsAny(a.IfName, "/: \t\n\v\f\r\x00"):
		return fmt.Errorf("invalid ifname %q", a.IfName)
	}
	return nil
}
