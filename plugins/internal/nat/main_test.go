package nat

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChildOp) != "" {
		os.Exit(childMain())
	}
	plugintest.Main(m)
}

// newEnv prepares a test: hermetic namespaces, a fresh state directory,
// and a leak check of the state and the ruleset when the test ends. It
// returns the state directory.
func newEnv(t testing.TB) string {
	t.Helper()
	return plugintest.NewStateDir(t, nftutil.EnvStateDir)
}

// cidr parses an address with its prefix length, keeping the address.
func cidr(t testing.TB, s string) *net.IPNet {
	t.Helper()
	ip, ipn, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	ipn.IP = ip
	return ipn
}

// cidrs parses addresses with their prefix lengths.
func cidrs(t testing.TB, ss ...string) []*net.IPNet {
	t.Helper()
	out := make([]*net.IPNet, len(ss))
	for i, s := range ss {
		out[i] = cidr(t, s)
	}
	return out
}

// nftState is what `nft -j list ruleset` says about cnictl's table.
type nftState struct {
	Tables   int
	Chains   []string
	Rules    int
	Elements map[string]map[string]string // map name: address: jump target
}

// listRuleset reads the ruleset the way an operator would.
func listRuleset(t testing.TB) nftState {
	t.Helper()
	out, err := exec.Command("nft", "-j", "list", "ruleset").Output()
	if err != nil {
		t.Fatalf("nft -j list ruleset: %v", err)
	}
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("decoding nft -j output: %v\n%s", err, out)
	}
	st := nftState{Elements: map[string]map[string]string{}}
	for _, obj := range doc.Nftables {
		for kind, raw := range obj {
			var o struct {
				Family, Table, Name string
				Elem                [][2]json.RawMessage `json:"elem"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatalf("decoding %s: %v", kind, err)
			}
			if kind == "table" {
				if o.Name == tableName {
					st.Tables++
				}
				continue
			}
			if o.Table != tableName {
				continue
			}
			switch kind {
			case "chain":
				st.Chains = append(st.Chains, o.Name)
			case "rule":
				st.Rules++
			case "map":
				elems := map[string]string{}
				for _, e := range o.Elem {
					var v struct {
						Jump struct{ Target string } `json:"jump"`
					}
					if err := json.Unmarshal(e[1], &v); err != nil {
						t.Fatalf("decoding element value %s: %v", e[1], err)
					}
					elems[elemKey(t, e[0])] = v.Jump.Target
				}
				st.Elements[o.Name] = elems
			}
		}
	}
	return st
}

// elemKey decodes the key of a map element in nft's JSON: a string, or an
// object {"elem": {"val": ..., "comment": ...}} when it has a comment.
func elemKey(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Elem struct {
			Val string `json:"val"`
		} `json:"elem"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("decoding element key %s: %v", raw, err)
	}
	return o.Elem.Val
}

// attachments makes n attachments of network named c0..c<n-1>, eth0.
func attachments(network string, n int) []Attachment {
	out := make([]Attachment, n)
	for i := range out {
		out[i] = Attachment{Network: network, ContainerID: fmt.Sprintf("c%d", i), IfName: "eth0"}
	}
	return out
}

// addr4 is the i-th address of 10.<net>.0.0/16, with its prefix length.
func addr4(net, i int) string { return fmt.Sprintf("10.%d.%d.%d/16", net, (i+2)/256, (i+2)%256) }
