package portmap

import (
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/nftutil/nfttest"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) { plugintest.Main(m) }

// newEnv returns a test environment, for the named networks, whose
// portmap plugin is which's. The reference keeps its iptables-nft tables
// after the last DEL; they are deleted before the leak check.
func newEnv(t *testing.T, which plugintest.Impl, networks ...string) *nfttest.Env {
	t.Helper()
	e := nfttest.New(t, which, "portmap", networks...)
	if which == plugintest.Reference {
		e.DeleteTablesAtEnd("ip nat", "ip6 nat")
	}
	return e
}

// portmapConf is a chained portmap configuration with extra fields.
func portmapConf(extra map[string]any) map[string]any {
	conf := map[string]any{"type": "portmap", "capabilities": map[string]any{"portMappings": true}}
	for k, v := range extra {
		conf[k] = v
	}
	return conf
}

// mappings builds the portMappings capability argument.
func mappings(ms ...map[string]any) map[string]any {
	list := make([]any, len(ms))
	for i, m := range ms {
		list[i] = m
	}
	return map[string]any{"portMappings": list}
}

// pm is one port mapping.
func pm(proto string, hostPort, containerPort int, hostIP string) map[string]any {
	m := map[string]any{"protocol": proto, "hostPort": hostPort, "containerPort": containerPort}
	if hostIP != "" {
		m["hostIP"] = hostIP
	}
	return m
}
