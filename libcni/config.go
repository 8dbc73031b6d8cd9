package libcni

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/utils"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/cache"
)

// PluginConfig is one plugin configuration of a network: the parsed common
// fields and the raw JSON that is passed on, unaltered but for the fields
// the spec says the runtime inserts.
type PluginConfig struct {
	Network *types.PluginConf
	Bytes   []byte
}

// NetworkConfigList is a network configuration (SPEC.md, section 1): a name,
// the selected cniVersion and the chain of plugins to run.
type NetworkConfigList struct {
	Name                   string
	CNIVersion             string
	DisableCheck           bool
	DisableGC              bool
	LoadOnlyInlinedPlugins bool
	Plugins                []*PluginConfig
	// Bytes is the configuration as read; it is what the cache stores.
	Bytes []byte
	// Source is the file the configuration was read from, "" when it was
	// built in memory.
	Source string
}

// defaultCNIVersion is assumed for a configuration without cniVersion, as
// pkg/version's ConfigDecoder does.
const defaultCNIVersion = "0.1.0"

// ConfListFromBytes parses a network configuration list (.conflist). Only
// the plugins inlined in data are loaded; ConfListFromFile also appends the
// plugins of the sibling directory.
func ConfListFromBytes(data []byte) (*NetworkConfigList, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	list := &NetworkConfigList{Bytes: data}
	if err := field(raw, "name", true, &list.Name); err != nil {
		return nil, err
	}
	if err := utils.ValidateNetworkName(list.Name); err != nil {
		return nil, fmt.Errorf("field \"name\": %s %s", err.Msg, err.Details)
	}
	version, err := selectVersion(raw)
	if err != nil {
		return nil, err
	}
	list.CNIVersion = version
	for key, dst := range map[string]*bool{
		"disableCheck":           &list.DisableCheck,
		"disableGC":              &list.DisableGC,
		"loadOnlyInlinedPlugins": &list.LoadOnlyInlinedPlugins,
	} {
		if *dst, err = boolField(raw, key); err != nil {
			return nil, err
		}
	}
	plugins, ok := raw["plugins"]
	if !ok {
		if list.LoadOnlyInlinedPlugins {
			return nil, errors.New(`field "loadOnlyInlinedPlugins" is true but there is no "plugins" list`)
		}
		return list, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(plugins, &items); err != nil {
		return nil, fmt.Errorf(`field "plugins": must be a list of objects`)
	}
	if len(items) == 0 {
		return nil, errors.New(`field "plugins": the list is empty`)
	}
	for i, item := range items {
		p, err := PluginConfFromBytes(item)
		if err != nil {
			return nil, fmt.Errorf("plugins[%d]: %w", i, err)
		}
		list.Plugins = append(list.Plugins, p)
	}
	return list, nil
}

// PluginConfFromBytes parses one plugin configuration object.
func PluginConfFromBytes(data []byte) (*PluginConfig, error) {
	conf := &PluginConfig{Bytes: bytes.Clone(data), Network: &types.PluginConf{}}
	if err := json.Unmarshal(data, conf.Network); err != nil {
		return nil, jsonError(data, err)
	}
	if conf.Network.Type == "" {
		return nil, errors.New(`field "type": missing`)
	}
	if err := validatePluginType(conf.Network.Type); err != nil {
		return nil, fmt.Errorf(`field "type": %w`, err)
	}
	return conf, nil
}

// ConfFromBytes parses a single plugin configuration (.conf or .json, the
// pre-0.3.0 format) and up-converts it to a list of that one plugin.
func ConfFromBytes(data []byte) (*NetworkConfigList, error) {
	p, err := PluginConfFromBytes(data)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	list, err := json.Marshal(map[string]any{
		"name":       p.Network.Name,
		"cniVersion": p.Network.CNIVersion,
		"plugins":    []any{raw},
	})
	if err != nil {
		return nil, err
	}
	return ConfListFromBytes(list)
}

// ConfListFromFile reads a .conflist file and, unless the list sets
// loadOnlyInlinedPlugins, appends the plugin configurations found in
// <dir of file>/<network name>/*.conf, in lexical order, as upstream libcni
// does. A list that ends up with no plugin is an error.
func ConfListFromFile(path string) (*NetworkConfigList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	list, err := ConfListFromBytes(data)
	if err != nil {
		return nil, err
	}
	list.Source = path
	if !list.LoadOnlyInlinedPlugins {
		sibling := filepath.Join(filepath.Dir(path), list.Name)
		files, err := confFiles(sibling, ".conf")
		if err != nil {
			return nil, fmt.Errorf("reading plugin directory %s: %w", sibling, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			p, err := PluginConfFromBytes(data)
			if err != nil {
				return nil, fmt.Errorf("plugin file %s: %w", f, err)
			}
			list.Plugins = append(list.Plugins, p)
		}
	}
	if len(list.Plugins) == 0 {
		return nil, errors.New("no plugin configurations: neither a \"plugins\" list nor files in the network's plugin directory")
	}
	return list, nil
}

// ConfFromFile reads a single plugin configuration file (.conf, .json) and
// up-converts it to a list.
func ConfFromFile(path string) (*NetworkConfigList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	list, err := ConfFromBytes(data)
	if err != nil {
		return nil, err
	}
	list.Source = path
	return list, nil
}

// selectVersion picks the cniVersion of a list (SPEC.md, section 1,
// "cniVersions"): the highest entry of cniVersion and cniVersions that this
// implementation supports; entries above version.Current() are dropped.
func selectVersion(raw map[string]json.RawMessage) (string, error) {
	var single string
	if err := field(raw, "cniVersion", false, &single); err != nil {
		return "", err
	}
	var many []string
	if err := field(raw, "cniVersions", false, &many); err != nil {
		return "", err
	}
	var candidates []string
	for i, v := range append(many, single) {
		if v == "" {
			continue
		}
		newer, err := version.GreaterThan(v, version.Current())
		if err != nil {
			if i == len(many) {
				return "", fmt.Errorf(`field "cniVersion": %w`, err)
			}
			return "", fmt.Errorf(`field "cniVersions"[%d]: %w`, i, err)
		}
		if !newer {
			candidates = append(candidates, v)
		}
	}
	if len(candidates) == 0 {
		if single != "" || len(many) > 0 {
			return "", fmt.Errorf("no supported cniVersion: the configuration asks for %s, this implementation supports up to %s",
				strings.Join(slices.DeleteFunc(append(many, single), func(s string) bool { return s == "" }), ", "), version.Current())
		}
		return defaultCNIVersion, nil
	}
	best := candidates[0]
	for _, v := range candidates[1:] {
		if gt, _ := version.GreaterThan(v, best); gt {
			best = v
		}
	}
	return best, nil
}

// field decodes raw[key] into dst, naming the field in the error.
func field(raw map[string]json.RawMessage, key string, required bool, dst any) error {
	v, ok := raw[key]
	if !ok {
		if required {
			return fmt.Errorf("field %q: missing", key)
		}
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return fmt.Errorf("field %q: wrong type: %s", key, strings.TrimSpace(string(v)))
	}
	return nil
}

// boolField accepts true/false and, as upstream libcni does, the strings
// "true"/"false" in any case.
func boolField(raw map[string]json.RawMessage, key string) (bool, error) {
	v, ok := raw[key]
	if !ok {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("field %q: want true or false, got %s", key, strings.TrimSpace(string(v)))
}

// jsonError turns a decoding error into one that names the line and column.
func jsonError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the offending byte itself.
		line, col := position(data, syntax.Offset-1)
		return fmt.Errorf("line %d, column %d: invalid JSON: %v", line, col, syntax)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		if typ.Field != "" {
			return fmt.Errorf("line %d, column %d: field %q: want %s, got %s", line, col, typ.Field, typ.Type, typ.Value)
		}
		return fmt.Errorf("line %d, column %d: want %s, got %s", line, col, typ.Type, typ.Value)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func position(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// ConfListFromCache returns the network configuration that a cached
// attachment was made with, for deleting an attachment whose network is no
// longer in the configuration directory.
func ConfListFromCache(e *cache.Entry) (*NetworkConfigList, error) {
	list, err := ConfListFromBytes(e.Config)
	if err != nil {
		return nil, fmt.Errorf("configuration cached for %s: %w", e.Key(), err)
	}
	return list, nil
}
