package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/libcni"
)

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	err := writeTable(&buf, []string{"NAME", "PLUGINS", "STATUS"}, [][]string{
		{"mynet", "bridge,portmap", "valid"},
		{"", "", "invalid: 20-broken.conflist: line 1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME    PLUGINS          STATUS\n" +
		"mynet   bridge,portmap   valid\n" +
		"-       -                invalid: 20-broken.conflist: line 1\n"
	if buf.String() != want {
		t.Errorf("table\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestCommandArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		at   int
		want string
	}{
		{[]string{"blue", "--", "ip", "-br", "a"}, 1, "ip -br a"},
		{[]string{"blue", "ip", "--", "x"}, 1, "ip -- x"},
		{[]string{"--", "sh"}, 0, "sh"},
		{[]string{"sleep", "1"}, 0, "sleep 1"},
		{[]string{"blue", "--"}, 1, ""},
	} {
		if got := strings.Join(commandArgs(tc.args, tc.at), " "); got != tc.want {
			t.Errorf("commandArgs(%q, %d) = %q, want %q", tc.args, tc.at, got, tc.want)
		}
	}
}

func TestErrorInfo(t *testing.T) {
	err := &libcni.Error{
		Verb: "ADD", Network: "mynet", ContainerID: "ctr", IfName: "eth0",
		Plugin: &libcni.PluginRef{Index: 1, Type: "portmap"},
		Code:   11, Msg: "try again", Details: "iptables is locked", Stderr: "warn\n",
		RolledBack: true,
	}
	got := errorInfoOf(err)
	if got.Code != 11 || got.Msg != "try again" || got.Details != "iptables is locked" || got.Network != "mynet" ||
		got.Verb != "ADD" || got.ContainerID != "ctr" || got.IfName != "eth0" || got.Plugin == nil ||
		*got.Plugin != (pluginRef{Index: 1, Type: "portmap"}) || !got.RolledBack || got.Message != err.Error() {
		t.Errorf("errorInfoOf = %+v", got)
	}

	plain := errorInfoOf(errors.New("boom"))
	if plain.Code != 0 || plain.Msg != "boom" || plain.Message != "" || plain.Plugin != nil {
		t.Errorf("errorInfoOf(plain) = %+v", plain)
	}

	nf := errorInfoOf(&libcni.NotFoundError{Dir: "/etc/cni/net.d", Name: "x"})
	if nf.Network != "x" || nf.Msg != `no network "x" in /etc/cni/net.d` {
		t.Errorf("errorInfoOf(not found) = %+v", nf)
	}
}

func TestPrinterQuiet(t *testing.T) {
	var out, errOut bytes.Buffer
	p := &printer{format: formatTable, quiet: true, stdout: &out, stderr: &errOut}
	v := netnsOutcome{Name: "blue", Result: "created"}
	if err := p.Action(v); err != nil {
		t.Fatal(err)
	}
	p.Note("hidden")
	p.Warn("shown")
	if out.Len() != 0 || errOut.String() != "cnictl: warning: shown\n" {
		t.Errorf("quiet table mode: stdout %q, stderr %q", out.String(), errOut.String())
	}
	p.format = formatJSON
	if err := p.Action(v); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"result": "created"`) {
		t.Errorf("JSON output must not be suppressed by --quiet: %q", out.String())
	}
}
