package plugins

import (
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
	"github.com/containernetworking/plugins/pkg/ns"
)

// Describe names the attachment of a command on network in error
// messages.
func Describe(network string, args *skel.CmdArgs) string {
	return fmt.Sprintf("network %q, container %q, ifname %q", network, args.ContainerID, args.IfName)
}

// PrevResult returns the prevResult of conf at the current version, or nil
// when there is none.
func PrevResult(conf *types.PluginConf) (*current.Result, error) {
	if conf.RawPrevResult == nil {
		return nil, nil
	}
	if err := version.ParsePrevResult(conf); err != nil {
		return nil, fmt.Errorf("parsing prevResult: %w", err)
	}
	res, err := current.NewResultFromResult(conf.PrevResult)
	if err != nil {
		return nil, fmt.Errorf("converting prevResult to version %s: %w", current.ImplementedSpecVersion, err)
	}
	return res, nil
}

// NetnsGone reports whether err says that a namespace path does not exist
// or no longer holds a namespace.
func NetnsGone(err error) bool {
	var notExist ns.NSPathNotExistErr
	var notNS ns.NSPathNotNSErr
	return errors.As(err, &notExist) || errors.As(err, &notNS)
}
