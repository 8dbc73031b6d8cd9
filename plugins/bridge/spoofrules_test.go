package bridge

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"testing"

	"github.com/cnictl/cnictl/plugins/internal/nat"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// spoofState is what `nft -j list table bridge cnictl-macspoof` says of
// the spoof check table: its chains, its number of rules, and the number
// of elements of each set.
type spoofState struct {
	Chains   []string
	Rules    int
	Elements map[string]int
}

// listSpoofTable reads the spoof check table the way an operator would.
func listSpoofTable(t *testing.T) spoofState {
	t.Helper()
	out, err := exec.Command("nft", "-j", "list", "table", "bridge", spoofTable).Output()
	if err != nil {
		t.Fatalf("nft -j list table bridge %s: %v", spoofTable, err)
	}
	var doc struct {
		Nftables []struct {
			Chain *struct{ Name string }
			Rule  *struct{ Chain string }
			Set   *struct {
				Name string
				Elem []json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("decoding nft -j output: %v\n%s", err, out)
	}
	st := spoofState{Elements: map[string]int{}}
	for _, o := range doc.Nftables {
		switch {
		case o.Chain != nil:
			st.Chains = append(st.Chains, o.Chain.Name)
		case o.Rule != nil:
			st.Rules++
		case o.Set != nil:
			st.Elements[o.Set.Name] = len(o.Set.Elem)
		}
	}
	return st
}

// TestSpoofCheckConstantRules sets up the MAC spoof check of 10 and then
// of 100 attachments: each one adds an element to each of the two sets,
// while the table keeps one chain with one rule. Tearing them all down
// removes the table, which the leak check verifies.
func TestSpoofCheckConstantRules(t *testing.T) {
	plugintest.NewStateDir(t, nftutil.EnvStateDir)
	atts := make([]nat.Attachment, 100)
	for i := range atts {
		atts[i] = nat.Attachment{Network: "net-spoof", ContainerID: fmt.Sprintf("c%d", i), IfName: "eth0"}
	}
	setup := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := setupSpoofCheck(atts[i], fmt.Sprintf("vethspoof%d", i), fmt.Sprintf("0a:58:0a:00:00:%02x", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := func(n int) spoofState {
		return spoofState{Chains: []string{spoofChain}, Rules: 1, Elements: map[string]int{spoofPorts: n, spoofAllowed: n}}
	}
	setup(0, 10)
	if got := listSpoofTable(t); !reflect.DeepEqual(got, want(10)) {
		t.Errorf("with 10 attachments: %+v, want %+v", got, want(10))
	}
	setup(10, 100)
	if got := listSpoofTable(t); !reflect.DeepEqual(got, want(100)) {
		t.Errorf("with 100 attachments: %+v, want %+v", got, want(100))
	}
	for _, a := range atts {
		if err := teardownSpoofCheck(a); err != nil {
			t.Fatal(err)
		}
	}
}
