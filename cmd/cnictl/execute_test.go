package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/libcni"
)

// runCnictl runs cnictl in-process with the given arguments.
func runCnictl(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = execute(context.Background(), args, &o, &e)
	return o.String(), e.String(), code
}

func TestExecuteErrors(t *testing.T) {
	confDir := t.TempDir()
	writeFile(t, filepath.Join(confDir, "missing.conflist"),
		`{"cniVersion":"1.1.0","name":"missing","plugins":[{"type":"no-such-plugin"}]}`)
	global := []string{"--conf-dir", confDir, "--plugin-dir", t.TempDir(), "--cache-dir", t.TempDir(), "--netns-dir", t.TempDir()}

	for _, tc := range []struct {
		args []string
		code int
		// stderr is a part of the table-mode error line.
		stderr string
	}{
		{[]string{"add"}, exitUsage, "wants 2 arguments (NETWORK NETNS), got 0"},
		{[]string{"bogus"}, exitUsage, `unknown command "bogus" for "cnictl"`},
		{[]string{"net", "bogus"}, exitUsage, `unknown command "bogus" for "cnictl net"`},
		{[]string{"ls", "--bogus"}, exitUsage, "unknown flag: --bogus"},
		{[]string{"ls", "extra"}, exitUsage, "takes no arguments"},
		{[]string{"-o", "yaml", "ls"}, exitUsage, `invalid --output "yaml"`},
		{[]string{"--timeout", "-1s", "ls"}, exitUsage, "must not be negative"},
		{[]string{"gc", "--keep", "/eth0"}, exitUsage, `invalid --keep "/eth0"`},
		{[]string{"run", "--", "true"}, exitUsage, "run needs --net"},
		{[]string{"add", "nonet", "/var/run/netns/x"}, exitNotFound, `no network "nonet"`},
		{[]string{"del", "nonet", "gone"}, exitNotFound, `no network "nonet"`},
		{[]string{"status", "missing"}, exitInvalidConfig, "1 of 1 networks not ready"},
		{[]string{"gc", "nonet"}, exitNotFound, "gc failed for 1 of 1 networks"},
		{[]string{"net", "inspect", "missing"}, exitInvalidConfig, `network "missing" is not valid`},
		{[]string{"inspect", "nobody"}, exitAttachment, "no cached attachments"},
		{[]string{"del", "missing", "gone", "--args", "A"}, exitUsage, `invalid CNI_ARGS pair "A"`},
		{[]string{"add", "missing", "/proc/self/ns/net", "--container-id", "a/b"}, exitInvalidParams, "containerID"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			stdout, stderr, code := runCnictl(t, append(slices.Clone(global), tc.args...)...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stderr, "cnictl: ") || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q, want a line with %q", stderr, tc.stderr)
			}
		})
	}
}

func TestExecuteJSONError(t *testing.T) {
	confDir := t.TempDir()
	writeFile(t, filepath.Join(confDir, "missing.conflist"),
		`{"cniVersion":"1.1.0","name":"missing","plugins":[{"type":"bridge"},{"type":"no-such-plugin"}]}`)
	stdout, stderr, code := runCnictl(t, "-o", "json", "--conf-dir", confDir, "--plugin-dir", t.TempDir(), "--cache-dir", t.TempDir(),
		"add", "missing", "/proc/self/ns/net", "--container-id", "ctr1")
	if code != exitInvalidConfig {
		t.Fatalf("exit code %d, want %d; stderr %s", code, exitInvalidConfig, stderr)
	}
	if stderr != "" {
		t.Errorf("with -o json the error goes to stdout only; stderr %q", stderr)
	}
	var doc struct {
		Error struct {
			Code    uint   `json:"code"`
			Msg     string `json:"msg"`
			Details string `json:"details"`
			Network string `json:"network"`
			Plugin  *struct {
				Index int    `json:"index"`
				Type  string `json:"type"`
			} `json:"plugin"`
			Verb        string `json:"verb"`
			ContainerID string `json:"containerID"`
		} `json:"error"`
		ExitCode int `json:"exitCode"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not a JSON error: %v\n%s", err, stdout)
	}
	e := doc.Error
	if e.Code != libcni.ErrCodeInvalidConfig || e.Msg != "plugin not found" || e.Network != "missing" || e.Verb != "ADD" ||
		e.ContainerID != "ctr1" || e.Plugin == nil || e.Plugin.Index != 0 || e.Plugin.Type != "bridge" || doc.ExitCode != exitInvalidConfig {
		t.Errorf("JSON error = %s", stdout)
	}
}

func TestExecuteJSONUsageError(t *testing.T) {
	stdout, stderr, code := runCnictl(t, "-o", "json", "add", "onlyone")
	if code != exitUsage || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if doc["exitCode"] != float64(exitUsage) {
		t.Errorf("exitCode = %v, want %d", doc["exitCode"], exitUsage)
	}
}

func TestExecuteStatusUnsupported(t *testing.T) {
	confDir := t.TempDir()
	writeFile(t, filepath.Join(confDir, "old.conf"), `{"cniVersion":"0.4.0","name":"old","type":"no-such-plugin"}`)
	stdout, stderr, code := runCnictl(t, "-o", "json", "--conf-dir", confDir, "--plugin-dir", t.TempDir(), "status")
	if code != 0 {
		t.Fatalf("exit code %d; stderr %s", code, stderr)
	}
	var got statusReport
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := statusReport{Networks: []statusResult{{Network: "old", CNIVersion: "0.4.0", Status: statusUnsupported}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("status = %+v, want %+v", got, want)
	}
}
