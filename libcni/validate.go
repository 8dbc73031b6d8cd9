package libcni

import (
	"errors"
	"strings"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/utils"
)

// validatePluginType refuses a plugin type that would make the plugin
// lookup leave the plugin directories.
func validatePluginType(t string) error {
	if strings.ContainsAny(t, `/\`) || t == "." || t == ".." {
		return errors.New("must be a plain executable name, without path separators")
	}
	return nil
}

// validateAttachment checks the attachment parameters (SPEC.md, section 3,
// "Attachment Parameters") before any file is touched or plugin run, so that
// no unvalidated name ever becomes part of a path. The error carries the
// spec's code: 4 (invalid environment variables) for container ID and
// interface name, 7 (invalid network config) for the network name.
func validateAttachment(network string, rt *RuntimeConf) *types.Error {
	if err := utils.ValidateNetworkName(network); err != nil {
		return err
	}
	if err := utils.ValidateContainerID(rt.ContainerID); err != nil {
		if err.Code == types.ErrUnknownContainer {
			// A missing ID is a bad parameter from the caller, not a
			// container the plugin does not know.
			err.Code = types.ErrInvalidEnvironmentVariables
		}
		return err
	}
	if err := utils.ValidateInterfaceName(rt.IfName); err != nil {
		return err
	}
	for _, kv := range rt.Args {
		if kv[0] == "" || strings.ContainsAny(kv[0]+kv[1], ";=") {
			return types.NewError(types.ErrInvalidEnvironmentVariables, "invalid CNI_ARGS pair", kv[0]+"="+kv[1])
		}
	}
	return nil
}
