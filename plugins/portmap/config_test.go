package portmap

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
)

// prevResult is a result with the bridge, the host veth and eth0 in the
// sandbox, dual-stack.
var prevResult = map[string]any{
	"cniVersion": "1.0.0",
	"interfaces": []any{
		map[string]any{"name": "cni0"},
		map[string]any{"name": "veth1"},
		map[string]any{"name": "eth0", "sandbox": "/run/netns/c1"},
	},
	"ips": []any{
		map[string]any{"address": "10.1.0.9/16", "interface": 1},
		map[string]any{"address": "10.66.0.2/24", "interface": 2},
		map[string]any{"address": "fd00:66::2/64", "interface": 2},
		map[string]any{"address": "10.66.0.3/24", "interface": 2},
	},
}

// load runs loadConfig on the configuration with the given fields.
func load(t *testing.T, fields map[string]any) (*config, error) {
	t.Helper()
	conf := map[string]any{"cniVersion": "1.0.0", "name": "net1", "type": "portmap", "prevResult": prevResult}
	for k, v := range fields {
		conf[k] = v
	}
	data, err := json.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	return loadConfig(&skel.CmdArgs{ContainerID: "c1", IfName: "eth0", StdinData: data})
}

// runtimeMappings is runtimeConfig with port mappings.
func runtimeMappings(ms ...map[string]any) map[string]any {
	return map[string]any{"portMappings": ms}
}

// TestConfigErrors feeds invalid configurations: each is a CNI error of
// code 7 that says what is wrong.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[string]any
		want   string
	}{
		{"externalSetMarkChain", map[string]any{"externalSetMarkChain": "KUBE-MARK-MASQ"}, `externalSetMarkChain "KUBE-MARK-MASQ" is not supported`},
		{"both mark options", map[string]any{"externalSetMarkChain": "X", "markMasqBit": 13}, "cannot specify externalSetMarkChain and markMasqBit"},
		{"mark bit", map[string]any{"markMasqBit": 32}, "markMasqBit 32: must be between 0 and 31"},
		{"backend", map[string]any{"backend": "ebpf"}, `unknown backend "ebpf"`},
		{"protocol", map[string]any{"runtimeConfig": runtimeMappings(pm("icmp", 1, 1, ""))}, `protocol "icmp": must be tcp, udp or sctp`},
		{"host port", map[string]any{"runtimeConfig": runtimeMappings(pm("tcp", 0, 80, ""))}, "invalid host port number 0"},
		{"container port", map[string]any{"runtimeConfig": runtimeMappings(pm("tcp", 80, 70000, ""))}, "invalid container port number 70000"},
		{"host IP", map[string]any{"runtimeConfig": runtimeMappings(pm("tcp", 80, 80, "localhost"))}, `invalid hostIP "localhost"`},
		{"iptables match", map[string]any{"conditionsV4": []string{"-m", "comment", "--comment", "x"}}, `conditionsV4: condition "-m comment": unsupported`},
		{"iptables family", map[string]any{"conditionsV4": []string{"-d", "fd00::1"}}, `conditionsV4: condition "-d fd00::1": address "fd00::1" is not IPv4`},
		{"iptables incomplete", map[string]any{"conditionsV6": []string{"!", "-s"}}, `conditionsV6: condition "! -s": incomplete`},
		{"nft statement", map[string]any{"conditionsV4": []string{"tcp dport 80"}}, `conditionsV4: condition "tcp": unsupported`},
		{"nft family", map[string]any{"conditionsV6": []string{"ip saddr 10.0.0.0/8"}}, "ip does not match IPv6 packets"},
		{"host bits", map[string]any{"conditionsV4": []string{"-s 10.0.0.1/8"}}, `"10.0.0.1/8" has host bits set`},
		{"interface", map[string]any{"conditionsV4": []string{"-i", "+"}}, `invalid interface name "+"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.fields)
			var cniErr *types.Error
			if !errors.As(err, &cniErr) || cniErr.Code != types.ErrInvalidNetworkConfig || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a CNI error of code 7 containing %q", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), `network "net1"`) {
				t.Errorf("%v does not name the network", err)
			}
		})
	}
}

// TestConditionGroups parses conditions in both syntaxes: the same
// conditions make the same group, others another.
func TestConditionGroups(t *testing.T) {
	group := func(fields map[string]any) group {
		t.Helper()
		conf, err := load(t, fields)
		if err != nil {
			t.Fatal(err)
		}
		return conf.group
	}
	ipt := group(map[string]any{"conditionsV4": []string{"!", "-d", "192.0.2.0/24", "-i", "eth+"}})
	short := group(map[string]any{"conditionsV4": []string{"!-d 192.0.2.0/24 --in-interface eth+"}})
	nft := group(map[string]any{"conditionsV4": []string{"ip daddr != 192.0.2.0/24", `iifname "eth*"`}})
	other := group(map[string]any{"conditionsV4": []string{"-d", "192.0.2.0/24"}})
	v6 := group(map[string]any{"conditionsV6": []string{"--source", "fd00::/8"}})
	none := group(map[string]any{"conditionsV4": []string{}})
	if ipt.id == "" || ipt.id != nft.id || ipt.id != short.id {
		t.Errorf("the same conditions written three ways make groups %q, %q and %q", ipt.id, nft.id, short.id)
	}
	if got := ipt.v4; len(got) != 2 || got[0].String() != "! -d 192.0.2.0/24" || got[1].String() != "-i eth+" {
		t.Errorf("parsed %v", got)
	}
	if other.id == ipt.id || v6.id == ipt.id || v6.id == "" {
		t.Errorf("different conditions share a group: %q %q %q", ipt.id, other.id, v6.id)
	}
	if none.id != "" {
		t.Errorf("no conditions make group %q", none.id)
	}
}

// TestContainerAddrs picks, like the reference, the first address of each
// family on the sandbox's interface.
func TestContainerAddrs(t *testing.T) {
	conf, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := containerAddrs(conf.prevResult, "eth0")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range addrs {
		got = append(got, a.String())
	}
	if strings.Join(got, " ") != "10.66.0.2/24 fd00:66::2/64" {
		t.Errorf("got %v", got)
	}
}
