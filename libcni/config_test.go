package libcni

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtures = "../testdata/netconf"

func TestLoadValidConfigs(t *testing.T) {
	cat, err := LoadDir(filepath.Join(fixtures, "valid"))
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range cat.Invalid {
		t.Errorf("valid fixture reported invalid: %v", inv)
	}
	var names []string
	for _, n := range cat.Networks {
		names = append(names, n.Name)
	}
	// .conflist files first in lexical order, then .conf files.
	want := "bridge-net versions-net strbool-net sibling inlined single-net"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("networks in order %q, want %q", got, want)
	}
	get := func(name string) *NetworkConfigList {
		t.Helper()
		n, err := cat.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := get("bridge-net"); len(n.Plugins) != 2 || n.Plugins[1].Network.Type != "portmap" ||
		!n.Plugins[1].Network.Capabilities["portMappings"] || n.Source != filepath.Join(fixtures, "valid", "10-bridge.conflist") {
		t.Errorf("bridge-net parsed as %+v", n)
	}
	if v := get("versions-net").CNIVersion; v != "1.1.0" {
		t.Errorf("cniVersions selection picked %s, want the highest supported 1.1.0", v)
	}
	if n := get("strbool-net"); !n.DisableCheck || !n.DisableGC {
		t.Errorf("string booleans not accepted: %+v", n)
	}
	if n := get("single-net"); n.CNIVersion != "0.3.1" || len(n.Plugins) != 1 || n.Plugins[0].Network.Type != "bridge" {
		t.Errorf(".conf not up-converted: %+v", n)
	}
	if n := get("sibling"); len(n.Plugins) != 2 || n.Plugins[1].Network.Type != "portmap" {
		t.Errorf("sibling directory plugin not appended: %d plugins", len(n.Plugins))
	}
	if n := get("inlined"); len(n.Plugins) != 1 {
		t.Errorf("loadOnlyInlinedPlugins ignored: %d plugins", len(n.Plugins))
	}
}

func TestInvalidConfigsAreReportedByFileAndField(t *testing.T) {
	want := map[string]string{
		"bad-json.conflist":         "line 4, column 3: invalid JSON",
		"no-name.conflist":          `field "name": missing`,
		"path-type.conflist":        `plugins[0]: field "type": must be a plain executable name`,
		"empty-plugins.conflist":    `field "plugins": the list is empty`,
		"future.conflist":           "no supported cniVersion",
		"bad-bool.conflist":         `field "disableCheck": want true or false, got "yes"`,
		"bad-name.conflist":         `field "name": invalid characters`,
		"no-type.conflist":          `plugins[0]: field "type": missing`,
		"wrong-field-type.conflist": `field "capabilities": want bool, got string`,
		"no-plugins.conflist":       "no plugin configurations",
		"empty.conf":                "invalid JSON",
	}
	dir := filepath.Join(fixtures, "invalid")
	cat, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Networks) != 0 {
		t.Errorf("invalid fixtures loaded as networks: %v", cat.Networks)
	}
	seen := map[string]bool{}
	for _, inv := range cat.Invalid {
		base := filepath.Base(inv.File)
		seen[base] = true
		w, ok := want[base]
		if !ok {
			t.Errorf("no expectation for %s: %v", base, inv)
			continue
		}
		if !strings.Contains(inv.Error(), w) || !strings.Contains(inv.Error(), base) {
			t.Errorf("%s: error %q should name the file and contain %q", base, inv.Error(), w)
		}
	}
	for f := range want {
		if !seen[f] {
			t.Errorf("%s was not reported invalid", f)
		}
	}
	// Asking for a broken network says why, with code 7.
	_, err = cat.Get("future")
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrCodeInvalidConfig || !strings.Contains(err.Error(), "future.conflist") {
		t.Fatalf("Get(future) = %v", err)
	}
	if _, err := cat.Get("nope"); !IsNotFound(err) {
		t.Fatalf("Get(nope) = %v, want not found", err)
	}
}

func TestBrokenFileDoesNotHideOthers(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("00-broken.conflist", "{")
	write("10-good.conflist", `{"cniVersion":"1.0.0","name":"good","plugins":[{"type":"loopback"}]}`)
	write("20-dup.conf", `{"cniVersion":"1.0.0","name":"good","type":"bridge"}`)
	n, err := LoadNetwork(dir, "good")
	if err != nil {
		t.Fatalf("a broken file hid network good: %v", err)
	}
	if n.Plugins[0].Network.Type != "loopback" {
		t.Fatalf(".conflist must take priority over .conf with the same name")
	}
	cat, _ := LoadDir(dir)
	if len(cat.Invalid) != 2 || !strings.Contains(cat.Invalid[1].Error(), "already defined by") {
		t.Fatalf("invalid = %v", cat.Invalid)
	}
	if cat, err := LoadDir(filepath.Join(dir, "missing")); err != nil || len(cat.Networks) != 0 {
		t.Fatalf("missing directory: %v", err)
	}
}

func TestRequestDerivation(t *testing.T) {
	list, err := ConfListFromBytes([]byte(`{"cniVersion":"1.0.0","name":"n","plugins":[
		{"type":"a","capabilities":{"portMappings":true,"bandwidth":false},"big":12345678901234567890,"nested":{"k":[1,2]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	rt := &RuntimeConf{ContainerID: "c", IfName: "eth0", CapabilityArgs: map[string]any{
		"portMappings": []any{"pm"}, "bandwidth": "bw", "ips": []any{"10.0.0.1"}}}
	got, err := request(list, list.Plugins[0], nil, rt, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{`"name":"n"`, `"cniVersion":"1.0.0"`, `"runtimeConfig":{"portMappings":["pm"]}`,
		`"big":12345678901234567890`, `"nested":{"k":[1,2]}`} {
		if !strings.Contains(s, want) {
			t.Errorf("request %s lacks %s", s, want)
		}
	}
	for _, unwanted := range []string{"capabilities", "bandwidth", "ips", "prevResult"} {
		if strings.Contains(s, unwanted) {
			t.Errorf("request %s must not contain %s", s, unwanted)
		}
	}
}
