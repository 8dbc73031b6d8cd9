package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/internal/testplugins/record"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// missingNetns is a CNI_NETNS that does not exist: the recorder never
// enters the namespace.
const missingNetns = "/run/netns/recorder-test-missing"

// output is what one plugin invocation produced.
type output struct {
	stdout, stderr []byte
	err            error
}

// pluginCmd returns the command running the recorder for a CNI command with
// conf on stdin; env entries override the default CNI_* variables.
func pluginCmd(t *testing.T, command string, conf any, env ...string) *exec.Cmd {
	t.Helper()
	stdin, err := json.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(testbin.Recorder(t), "recorder"))
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"CNI_COMMAND=" + command,
		"CNI_CONTAINERID=ctr1",
		"CNI_NETNS=" + missingNetns,
		"CNI_IFNAME=eth0",
		"CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=pod",
		"CNI_PATH=/opt/cni/bin",
	}, env...)
	cmd.Stdin = bytes.NewReader(stdin)
	return cmd
}

// run runs the recorder to completion.
func run(t *testing.T, command string, conf any, env ...string) output {
	t.Helper()
	cmd := pluginCmd(t, command, conf, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return output{stdout.Bytes(), stderr.Bytes(), err}
}

// mustRun runs the recorder and fails t unless it succeeds.
func mustRun(t *testing.T, command string, conf any, env ...string) []byte {
	t.Helper()
	out := run(t, command, conf, env...)
	if out.err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", command, out.err, out.stdout, out.stderr)
	}
	return out.stdout
}

// netConf returns a minimal recorder configuration with extra fields.
func netConf(cniVersion string, extra map[string]any) map[string]any {
	conf := map[string]any{"cniVersion": cniVersion, "name": "testnet", "type": "recorder"}
	for k, v := range extra {
		conf[k] = v
	}
	return conf
}

// readRecord reads the record file and fails t on error.
func readRecord(t *testing.T, path string) []record.Entry {
	t.Helper()
	entries, err := record.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
