package libcni

import (
	"encoding/json"
	"fmt"

	"github.com/containernetworking/cni/pkg/types"
)

// Keys of the GC request (SPEC.md, section 2, "GC"). Upstream libcni also
// sends the name the spec used by mistake before 1.1.0 was fixed
// (containernetworking/cni#1101); so do we, for plugins built against it.
const (
	keyValidAttachments  = "cni.dev/valid-attachments"
	keyLegacyAttachments = "cni.dev/attachments"
)

// request derives the request configuration for one plugin from its plugin
// configuration (SPEC.md, section 3, "Deriving request configuration from
// plugin configuration"): name and cniVersion always inserted; for ADD, CHECK
// and DEL runtimeConfig and prevResult; capabilities removed. All other
// fields pass through byte for byte.
func request(list *NetworkConfigList, p *PluginConfig, prev types.Result, rt *RuntimeConf, extra map[string]any) ([]byte, error) {
	var conf map[string]json.RawMessage
	if err := json.Unmarshal(p.Bytes, &conf); err != nil {
		return nil, fmt.Errorf("decoding plugin configuration: %w", err)
	}
	set := func(key string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding %q: %w", key, err)
		}
		conf[key] = data
		return nil
	}
	if err := set("name", list.Name); err != nil {
		return nil, err
	}
	if err := set("cniVersion", list.CNIVersion); err != nil {
		return nil, err
	}
	delete(conf, "capabilities")
	if rt != nil {
		// runtimeConfig: the capability args the runtime offers that the
		// plugin declares (SPEC.md, section 3, "Deriving runtimeConfig").
		rc := map[string]any{}
		for capability, enabled := range p.Network.Capabilities {
			if v, ok := rt.CapabilityArgs[capability]; ok && enabled {
				rc[capability] = v
			}
		}
		if len(rc) > 0 {
			if err := set("runtimeConfig", rc); err != nil {
				return nil, err
			}
		}
	}
	if prev != nil {
		if err := set("prevResult", prev); err != nil {
			return nil, err
		}
	}
	for k, v := range extra {
		if err := set(k, v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(conf)
}
