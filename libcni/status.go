package libcni

import (
	"context"
	"fmt"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/version"
)

// Status asks every plugin of the network whether it is ready for ADD
// (SPEC.md, section 2, "STATUS"). It stops at the first plugin that is not,
// so the returned *Error carries that plugin's code: 50 (plugin not
// available) or 51 (limited connectivity). Networks below cniVersion 1.1.0
// have no STATUS; for them Status returns nil, as upstream libcni does, and
// StatusSupported tells the caller.
func (c *CNI) Status(ctx context.Context, list *NetworkConfigList) error {
	const verb = "STATUS"
	if !StatusSupported(list) {
		return nil
	}
	paths, err := c.findPlugins(verb, list, nil)
	if err != nil {
		return err
	}
	for i, p := range list.Plugins {
		cl := call{verb: verb, list: list, index: i, plugin: p}
		if cl.stdin, err = request(list, p, nil, nil, nil); err != nil {
			return c.callError(cl, err)
		}
		if _, err := c.run(ctx, cl, paths[i], false); err != nil {
			return err
		}
	}
	return nil
}

// StatusSupported reports whether the network's cniVersion has STATUS.
func StatusSupported(list *NetworkConfigList) bool { return atLeast(list.CNIVersion, "1.1.0") }

// VersionInfo asks a plugin which spec versions it supports (SPEC.md,
// section 2, "VERSION").
func (c *CNI) VersionInfo(ctx context.Context, pluginType string) (version.PluginInfo, error) {
	if err := validatePluginType(pluginType); err != nil {
		return nil, fmt.Errorf("plugin type %q: %w", pluginType, err)
	}
	path, err := c.exec.FindInPath(pluginType, c.pluginDirs)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.pluginContext(ctx)
	defer cancel()
	info, err := invoke.GetVersionInfo(ctx, path, c.exec)
	if err != nil {
		return nil, fmt.Errorf("VERSION of plugin %q (%s): %w", pluginType, path, err)
	}
	return info, nil
}

// Validate checks that every plugin of the network is installed and
// supports the network's cniVersion. The error lists every plugin that
// does not.
func (c *CNI) Validate(ctx context.Context, list *NetworkConfigList) error {
	var problems []string
	for i, p := range list.Plugins {
		ref := PluginRef{Index: i, Type: p.Network.Type}
		info, err := c.VersionInfo(ctx, p.Network.Type)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", ref, err))
			continue
		}
		supported := false
		for _, v := range info.SupportedVersions() {
			supported = supported || v == list.CNIVersion
		}
		if !supported {
			problems = append(problems, fmt.Sprintf("%s does not support cniVersion %s (it supports %v)", ref, list.CNIVersion, info.SupportedVersions()))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	msg := problems[0]
	for _, p := range problems[1:] {
		msg += "; " + p
	}
	return &Error{Verb: "VALIDATE", Network: list.Name, Code: ErrCodeInvalidConfig, Msg: msg}
}
