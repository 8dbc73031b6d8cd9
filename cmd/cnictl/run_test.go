package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
)

// testNetnsDir is the namespace directory of the tests: the private /run of
// the hermetic namespaces. (The directory becomes a mount point, which
// t.TempDir could not remove.)
const testNetnsDir = "/run/netns"

// fakePlugin is a plugin that records each call in its log and answers ADD
// with a fixed result.
const fakePlugin = `#!/bin/sh
cat >/dev/null
echo "$CNI_COMMAND $CNI_IFNAME $CNI_CONTAINERID $CNI_NETNS" >> "$(dirname "$0")/calls.log"
case "$CNI_COMMAND" in
VERSION) echo '{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}';;
ADD) echo '{"cniVersion":"1.1.0","ips":[{"address":"10.9.0.2/24"}]}';;
esac
`

func TestRunCleansUp(t *testing.T) {
	hermetic.Require(t)
	pluginDir, confDir, cacheDir := t.TempDir(), t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(pluginDir, "fake"), []byte(fakePlugin), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(confDir, "a.conflist"), `{"cniVersion":"1.1.0","name":"a","plugins":[{"type":"fake"}]}`)
	writeFile(t, filepath.Join(confDir, "b.conflist"), `{"cniVersion":"1.1.0","name":"b","plugins":[{"type":"fake"}]}`)
	global := []string{"--plugin-dir", pluginDir, "--conf-dir", confDir, "--cache-dir", cacheDir, "--netns-dir", testNetnsDir}

	stdout, stderr, code := runCnictl(t, append(global, "run", "--net", "a,b", "--", "sh", "-c", "echo inside; exit 3")...)
	if code != 3 {
		t.Fatalf("run: exit code %d, want the command's 3; stderr %s", code, stderr)
	}
	if stdout != "inside\n" {
		t.Errorf("command output %q", stdout)
	}
	data, err := os.ReadFile(filepath.Join(pluginDir, "calls.log"))
	if err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		verbs = append(verbs, f[0]+" "+f[1])
		if f[2] != defaultContainerID(f[3]) {
			t.Errorf("container ID %s is not derived from the netns path %s", f[2], f[3])
		}
		if !strings.HasPrefix(filepath.Base(f[3]), "cnictl-run-") {
			t.Errorf("netns %s is not an ephemeral one", f[3])
		}
	}
	if got, want := strings.Join(verbs, ", "), "ADD eth0, ADD eth1, DEL eth1, DEL eth0"; got != want {
		t.Errorf("plugin calls %q, want %q", got, want)
	}
	if entries, _ := os.ReadDir(testNetnsDir); len(entries) != 0 {
		t.Errorf("netns left behind: %v", entries)
	}
	if entries, _ := os.ReadDir(filepath.Join(cacheDir, "results")); len(entries) != 0 {
		t.Errorf("cache entries left behind: %v", entries)
	}
}

func TestNetnsExecExitCode(t *testing.T) {
	hermetic.Require(t)
	global := []string{"--netns-dir", testNetnsDir}
	if _, stderr, code := runCnictl(t, append(global, "netns", "add", "blue")...); code != 0 {
		t.Fatalf("netns add: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runCnictl(t, append(global, "netns", "exec", "blue", "--", "sh", "-c", "exit 7")...); code != 7 {
		t.Errorf("netns exec: exit %d, want 7: %s", code, stderr)
	}
	if _, stderr, code := runCnictl(t, append(global, "netns", "exec", "blue", "sh", "-c", "kill -TERM $$")...); code != 128+15 {
		t.Errorf("netns exec of a command killed by SIGTERM: exit %d, want 143: %s", code, stderr)
	}
	if _, stderr, code := runCnictl(t, append(global, "netns", "del", "blue", "blue")...); code != 0 {
		t.Errorf("netns del: exit %d: %s", code, stderr)
	}
}
