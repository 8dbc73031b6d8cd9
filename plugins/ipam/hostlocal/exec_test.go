package hostlocal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }

// versions are the cniVersions most tests run at.
var versions = []string{"0.2.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// plugin is the path of a host-local executable.
type plugin string

// ours builds this package's plugin.
func ours(t testing.TB) plugin {
	t.Helper()
	return plugin(filepath.Join(testbin.Build(t, "github.com/cnictl/cnictl/plugins/cmd/host-local"), "host-local"))
}

// reference builds the reference host-local plugin.
func reference(t testing.TB) plugin {
	t.Helper()
	return plugin(filepath.Join(testbin.Reference(t, "host-local"), "host-local"))
}

// call is one invocation of a plugin.
type call struct {
	command, containerID, ifname, cniArgs, conf string
}

// outcome is what an invocation printed and how it exited.
type outcome struct {
	stdout, stderr string
	exitCode       int
}

// run executes the plugin for c, with the environment a runtime sets.
func (p plugin) run(t testing.TB, c call) outcome {
	t.Helper()
	o, err := p.exec(c)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// exec executes the plugin for c; it fails only if the plugin could not
// be run.
func (p plugin) exec(c call) (outcome, error) {
	cmd := exec.Command(string(p))
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"CNI_COMMAND=" + c.command,
		"CNI_PATH=" + filepath.Dir(string(p)),
		"CNI_NETNS=/var/run/netns/not-entered-by-ipam",
	}
	for k, v := range map[string]string{"CNI_CONTAINERID": c.containerID, "CNI_IFNAME": c.ifname, "CNI_ARGS": c.cniArgs} {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdin = strings.NewReader(c.conf)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return outcome{}, fmt.Errorf("running %s %s: %w", p, c.command, err)
	}
	return outcome{stdout: stdout.String(), stderr: stderr.String(), exitCode: cmd.ProcessState.ExitCode()}, nil
}

// add runs ADD for containerID on eth0.
func (p plugin) add(t testing.TB, conf, containerID string) outcome {
	t.Helper()
	return p.run(t, call{command: "ADD", containerID: containerID, ifname: "eth0", conf: conf})
}

// del runs DEL for containerID on eth0.
func (p plugin) del(t testing.TB, conf, containerID string) outcome {
	t.Helper()
	return p.run(t, call{command: "DEL", containerID: containerID, ifname: "eth0", conf: conf})
}

// ok fails t unless the invocation succeeded.
func (o outcome) ok(t testing.TB) outcome {
	t.Helper()
	if o.exitCode != 0 {
		t.Fatalf("plugin failed with exit code %d: %s%s", o.exitCode, o.stdout, o.stderr)
	}
	return o
}

// cniError fails t unless the invocation failed with a CNI error on
// stdout, and returns that error.
func (o outcome) cniError(t testing.TB) *types.Error {
	t.Helper()
	if o.exitCode == 0 {
		t.Fatalf("plugin succeeded, want an error; stdout: %s", o.stdout)
	}
	var e types.Error
	if err := json.Unmarshal([]byte(o.stdout), &e); err != nil || e.Code == 0 || e.Msg == "" {
		t.Fatalf("stdout is not a CNI error (%v): %q; stderr: %s", err, o.stdout, o.stderr)
	}
	return &e
}

// wantError fails t unless the invocation failed with a CNI error whose
// message holds every one of parts.
func (o outcome) wantError(t testing.TB, parts ...string) *types.Error {
	t.Helper()
	e := o.cniError(t)
	for _, p := range parts {
		if !strings.Contains(e.Msg, p) {
			t.Errorf("error %q does not mention %q", e.Msg, p)
		}
	}
	return e
}

// result parses a successful ADD printed at cniVersion.
func (o outcome) result(t testing.TB, cniVersion string) *current.Result {
	t.Helper()
	o.ok(t)
	r, err := version.NewResult(cniVersion, []byte(o.stdout))
	if err != nil {
		t.Fatalf("parsing result at %s: %v\n%s", cniVersion, err, o.stdout)
	}
	cur, err := current.NewResultFromResult(r)
	if err != nil {
		t.Fatalf("converting result: %v", err)
	}
	return cur
}

// ips returns the addresses of a successful ADD, without prefix lengths.
func (o outcome) ips(t testing.TB, cniVersion string) []string {
	t.Helper()
	var ips []string
	for _, ipc := range o.result(t, cniVersion).IPs {
		ips = append(ips, ipc.Address.IP.String())
	}
	return ips
}

// netconf is a network configuration of network "net" with a host-local
// ipam section keeping its allocations in dataDir. top adds top-level
// keys such as runtimeConfig and args.
func netconf(t testing.TB, cniVersion, dataDir string, ipam, top map[string]any) string {
	t.Helper()
	ipamSection := map[string]any{"type": "host-local", "dataDir": dataDir}
	for k, v := range ipam {
		ipamSection[k] = v
	}
	conf := map[string]any{"cniVersion": cniVersion, "name": "net", "type": "bridge", "ipam": ipamSection}
	for k, v := range top {
		conf[k] = v
	}
	data, err := json.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// subnet is the ipam section of a legacy single-range configuration.
func subnet(cidr string) map[string]any { return map[string]any{"subnet": cidr} }

// files maps the name of each file of the network's allocation directory
// to its content.
func files(t testing.TB, dataDir string) map[string]string {
	t.Helper()
	dir := filepath.Join(dataDir, "net")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

// allocated returns the sorted addresses allocated in dataDir.
func allocated(t testing.TB, dataDir string) []string {
	t.Helper()
	var ips []string
	for name := range files(t, dataDir) {
		if name != "lock" && !strings.HasPrefix(name, "last_reserved_ip.") {
			ips = append(ips, name)
		}
	}
	sort.Strings(ips)
	return ips
}

// sameJSON reports whether a and b decode to equal values.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
