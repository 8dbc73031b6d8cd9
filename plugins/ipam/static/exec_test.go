package static

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

// versions are the cniVersions the tests run at.
var versions = []string{"0.1.0", "0.2.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// plugin is the path of a static executable.
type plugin string

// ours builds this package's plugin.
func ours(t testing.TB) plugin {
	t.Helper()
	return plugin(filepath.Join(testbin.Build(t, "github.com/cnictl/cnictl/plugins/cmd/static"), "static"))
}

// reference builds the reference static plugin.
func reference(t testing.TB) plugin {
	t.Helper()
	return plugin(filepath.Join(testbin.Reference(t, "static"), "static"))
}

// outcome is what an invocation printed and how it exited.
type outcome struct {
	stdout, stderr string
	exitCode       int
}

// run executes the plugin with the environment a runtime sets.
func (p plugin) run(t testing.TB, command, cniArgs, conf string) outcome {
	t.Helper()
	cmd := exec.Command(string(p))
	cmd.Env = []string{
		"CNI_COMMAND=" + command,
		"CNI_CONTAINERID=c1",
		"CNI_IFNAME=eth0",
		"CNI_PATH=" + filepath.Dir(string(p)),
		"CNI_NETNS=/var/run/netns/not-entered-by-ipam",
	}
	if cniArgs != "" {
		cmd.Env = append(cmd.Env, "CNI_ARGS="+cniArgs)
	}
	cmd.Stdin = strings.NewReader(conf)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running %s %s: %v", p, command, err)
	}
	return outcome{stdout: stdout.String(), stderr: stderr.String(), exitCode: cmd.ProcessState.ExitCode()}
}

// ok fails t unless the invocation succeeded.
func (o outcome) ok(t testing.TB) outcome {
	t.Helper()
	if o.exitCode != 0 {
		t.Fatalf("plugin failed with exit code %d: %s%s", o.exitCode, o.stdout, o.stderr)
	}
	return o
}

// wantError fails t unless the invocation failed with a CNI error on
// stdout whose message holds every one of parts.
func (o outcome) wantError(t testing.TB, parts ...string) *types.Error {
	t.Helper()
	if o.exitCode == 0 {
		t.Fatalf("plugin succeeded, want an error; stdout: %s", o.stdout)
	}
	var e types.Error
	if err := json.Unmarshal([]byte(o.stdout), &e); err != nil || e.Code == 0 || e.Msg == "" {
		t.Fatalf("stdout is not a CNI error (%v): %q; stderr: %s", err, o.stdout, o.stderr)
	}
	for _, p := range parts {
		if !strings.Contains(e.Msg, p) {
			t.Errorf("error %q does not mention %q", e.Msg, p)
		}
	}
	return &e
}

// netconf is a network configuration with a static ipam section; top adds
// top-level keys such as runtimeConfig, args and prevResult.
func netconf(t testing.TB, cniVersion string, ipam, top map[string]any) string {
	t.Helper()
	ipamSection := map[string]any{"type": "static"}
	for k, v := range ipam {
		ipamSection[k] = v
	}
	conf := map[string]any{"cniVersion": cniVersion, "name": "net", "type": "macvlan", "ipam": ipamSection}
	for k, v := range top {
		conf[k] = v
	}
	data, err := json.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// sameJSON reports whether a and b decode to equal values.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// addresses is an ipam.addresses list of address and gateway pairs; an
// empty gateway is left out.
func addresses(pairs ...string) []any {
	var list []any
	for i := 0; i+1 < len(pairs); i += 2 {
		a := map[string]any{"address": pairs[i]}
		if pairs[i+1] != "" {
			a["gateway"] = pairs[i+1]
		}
		list = append(list, a)
	}
	return list
}
