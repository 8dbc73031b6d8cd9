package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSmoke builds the cnictl binary and runs it the way scripts do.
func TestSmoke(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build cnictl with")
	}
	bin := filepath.Join(t.TempDir(), "cnictl")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(t *testing.T, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		var o, e bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var exitErr *exec.ExitError
		switch {
		case errors.As(err, &exitErr):
			code = exitErr.ExitCode()
		case err != nil:
			t.Fatalf("running cnictl %v: %v", args, err)
		}
		return o.String(), e.String(), code
	}

	t.Run("help", func(t *testing.T) {
		stdout, stderr, code := run(t, "--help")
		if code != 0 || stderr != "" {
			t.Fatalf("cnictl --help: exit %d, stderr %q", code, stderr)
		}
		for _, want := range []string{"Exit codes:", "add", "del", "net", "netns", "run"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("help does not mention %q:\n%s", want, stdout)
			}
		}
	})

	t.Run("net ls", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "10-good.conflist"),
			`{"cniVersion":"1.0.0","name":"good","plugins":[{"type":"bridge"},{"type":"portmap","capabilities":{"portMappings":true}}]}`)
		writeFile(t, filepath.Join(dir, "20-broken.conflist"), `{"cniVersion":"1.0.0","name":"broken","plugins":[{"type":"bridge",}]}`)

		stdout, stderr, code := run(t, "net", "ls", "--conf-dir", dir, "-o", "json")
		if code != 0 {
			t.Fatalf("cnictl net ls: exit %d, stderr %q", code, stderr)
		}
		var got netList
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, stdout)
		}
		var valid, invalid []netEntry
		for _, n := range got.Networks {
			switch n.Status {
			case "valid":
				valid = append(valid, n)
			case "invalid":
				invalid = append(invalid, n)
			default:
				t.Errorf("network %q has status %q", n.Name, n.Status)
			}
		}
		if len(valid) != 2 || valid[0].Name != "good" || strings.Join(valid[0].Plugins, ",") != "bridge,portmap" {
			t.Errorf("valid networks = %+v, want good with bridge,portmap, then the built-in network", valid)
		}
		if b := valid[len(valid)-1]; b.Name != builtinName || b.File != builtinSource {
			t.Errorf("the built-in network is missing or not last: %+v", b)
		}
		if len(invalid) != 1 || !strings.Contains(invalid[0].Reason, "20-broken.conflist") {
			t.Errorf("invalid networks = %+v, want one whose reason names 20-broken.conflist", invalid)
		}
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
