package nfttest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Table is what a test counts in an nftables table.
type Table struct {
	// Chains are the names of the table's chains, sorted.
	Chains []string
	// Rules is the number of its rules.
	Rules int
	// Elements is the number of elements of each of its sets and maps,
	// by name.
	Elements map[string]int
}

// ListTable lists the table name of family ("inet", "ip"...) in the test's
// namespace, and fails t if it cannot.
func ListTable(t testing.TB, family, name string) Table {
	t.Helper()
	out := command(t, "nft", "-j", "list", "table", family, name)
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("decoding nft -j list table %s %s: %v\n%s", family, name, err, out)
	}
	tab := Table{Elements: map[string]int{}}
	for _, obj := range doc.Nftables {
		for kind, raw := range obj {
			var o struct {
				Name string
				Elem []json.RawMessage
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatalf("decoding %s %s: %v", kind, raw, err)
			}
			switch kind {
			case "chain":
				tab.Chains = append(tab.Chains, o.Name)
			case "rule":
				tab.Rules++
			case "set", "map":
				tab.Elements[o.Name] = len(o.Elem)
			}
		}
	}
	slices.Sort(tab.Chains)
	return tab
}

// foreignTable is the table of other software that AddForeign makes: its
// chains have the names of cnictl's, and hook where cnictl's do.
const foreignTable = `table inet other {
	set blocked {
		type ipv4_addr
		elements = { 203.0.113.9 }
	}
	chain forward {
		type filter hook forward priority filter + 10; policy accept;
		ip saddr @blocked drop
	}
	chain postrouting {
		type nat hook postrouting priority srcnat + 10; policy accept;
		ip saddr 203.0.113.0/24 masquerade
	}
}`

// Foreign is what other software keeps in the test's namespace: the
// table inet other, with base chains and rules, and a rule of its own in
// the FORWARD chains of iptables and ip6tables (iptables-nft).
type Foreign struct {
	t      testing.TB
	before [3]string
}

// AddForeign makes Foreign's table and rules; they are deleted when t
// ends, with the filter tables of iptables.
func (e *Env) AddForeign() *Foreign {
	e.T.Helper()
	e.DeleteTablesAtEnd("inet other", "ip filter", "ip6 filter")
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(foreignTable)
	if out, err := cmd.CombinedOutput(); err != nil {
		e.T.Fatalf("making table inet other: %v: %s", err, out)
	}
	command(e.T, "iptables", "-A", "FORWARD", "-s", "203.0.113.7", "-j", "ACCEPT")
	command(e.T, "ip6tables", "-A", "FORWARD", "-s", "2001:db8:7::7", "-j", "ACCEPT")
	f := &Foreign{t: e.T}
	f.before = f.list()
	return f
}

// list lists Foreign's table and the FORWARD chains of iptables and
// ip6tables.
func (f *Foreign) list() [3]string {
	f.t.Helper()
	return [3]string{
		command(f.t, "nft", "list", "table", "inet", "other"),
		command(f.t, "iptables", "-S", "FORWARD"),
		command(f.t, "ip6tables", "-S", "FORWARD"),
	}
}

// Unchanged fails t unless Foreign's table and the FORWARD chains of
// iptables and ip6tables are listed byte for byte as they were when
// AddForeign made them. Lines of the iptables listings that hold one of
// ours, the rules cnictl itself puts there, are left out first.
func (f *Foreign) Unchanged(when string, ours ...string) {
	f.t.Helper()
	now := f.list()
	for i, what := range []string{"nft list table inet other", "iptables -S FORWARD", "ip6tables -S FORWARD"} {
		got := now[i]
		if i > 0 {
			lines := strings.Split(got, "\n")
			lines = slices.DeleteFunc(lines, func(l string) bool {
				return slices.ContainsFunc(ours, func(o string) bool { return strings.Contains(l, o) })
			})
			got = strings.Join(lines, "\n")
		}
		if got != f.before[i] {
			f.t.Errorf("%s: %s:\n%s\nwant:\n%s", when, what, now[i], f.before[i])
		}
	}
}

// command runs a command of the test's namespace and returns its standard
// output, trimmed; it fails t if the command fails.
func command(t testing.TB, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v: %s%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return strings.TrimSpace(stdout.String())
}
