package plugintest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/internal/testplugins/record"
)

// Executable builds the plugin of type typ of which and returns the path
// of its executable.
func Executable(t testing.TB, which Impl, typ string) string {
	t.Helper()
	if which == Reference {
		return filepath.Join(testbin.Reference(t, typ), typ)
	}
	return filepath.Join(testbin.Build(t, "github.com/cnictl/cnictl/plugins/cmd/"+typ), typ)
}

// NetConf is the network configuration "net" at cniVersion for the plugin
// of type typ, with the IPAM section ipam and the more top-level keys of
// top, such as runtimeConfig, args and prevResult.
func NetConf(t testing.TB, cniVersion, typ string, ipam, top map[string]any) string {
	t.Helper()
	conf := map[string]any{"cniVersion": cniVersion, "name": "net", "type": typ, "ipam": ipam}
	maps.Copy(conf, top)
	data, err := json.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Call is one invocation of a plugin executable. ContainerID, IfName and
// Args are left out of the environment when empty.
type Call struct {
	// Command is CNI_COMMAND.
	Command string
	// ContainerID, IfName and Args are CNI_CONTAINERID, CNI_IFNAME and
	// CNI_ARGS.
	ContainerID, IfName, Args string
	// Netns is CNI_NETNS; empty for a path that is never entered, as for
	// an IPAM plugin.
	Netns string
	// PluginDirs are searched for delegated plugins, through CNI_PATH,
	// after the directory of the plugin itself.
	PluginDirs []string
	// Conf is the network configuration on stdin.
	Conf string
}

// Outcome is what an invocation printed and how it exited.
type Outcome struct {
	// Stdout and Stderr are what the plugin printed.
	Stdout, Stderr string
	// ExitCode is its exit status.
	ExitCode int
}

// Exec runs the plugin executable at path for c, with the environment a
// runtime sets. It fails only if the plugin could not be run.
func Exec(path string, c Call) (Outcome, error) {
	netns := c.Netns
	if netns == "" {
		netns = "/var/run/netns/not-entered-by-ipam"
	}
	cmd := exec.Command(path)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"CNI_COMMAND=" + c.Command,
		"CNI_PATH=" + strings.Join(append([]string{filepath.Dir(path)}, c.PluginDirs...), string(os.PathListSeparator)),
		"CNI_NETNS=" + netns,
	}
	for k, v := range map[string]string{"CNI_CONTAINERID": c.ContainerID, "CNI_IFNAME": c.IfName, "CNI_ARGS": c.Args} {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdin = strings.NewReader(c.Conf)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return Outcome{}, fmt.Errorf("running %s %s: %w", path, c.Command, err)
	}
	return Outcome{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: cmd.ProcessState.ExitCode()}, nil
}

// Run is Exec that fails t if the plugin could not be run.
func Run(t testing.TB, path string, c Call) Outcome {
	t.Helper()
	o, err := Exec(path, c)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Ok fails t unless the invocation succeeded.
func (o Outcome) Ok(t testing.TB) Outcome {
	t.Helper()
	if o.ExitCode != 0 {
		t.Fatalf("plugin failed with exit code %d: %s%s", o.ExitCode, o.Stdout, o.Stderr)
	}
	return o
}

// CNIError fails t unless the invocation failed with a CNI error on
// stdout, and returns that error.
func (o Outcome) CNIError(t testing.TB) *types.Error {
	t.Helper()
	if o.ExitCode == 0 {
		t.Fatalf("plugin succeeded, want an error; stdout: %s", o.Stdout)
	}
	var e types.Error
	if err := json.Unmarshal([]byte(o.Stdout), &e); err != nil || e.Code == 0 || e.Msg == "" {
		t.Fatalf("stdout is not a CNI error (%v): %q; stderr: %s", err, o.Stdout, o.Stderr)
	}
	return &e
}

// WantError fails t unless the invocation failed with a CNI error whose
// message holds every one of parts.
func (o Outcome) WantError(t testing.TB, parts ...string) *types.Error {
	t.Helper()
	e := o.CNIError(t)
	for _, p := range parts {
		if !strings.Contains(e.Msg, p) {
			t.Errorf("error %q does not mention %q", e.Msg, p)
		}
	}
	return e
}

// result parses a successful ADD printed at cniVersion.
func (o Outcome) result(t testing.TB, cniVersion string) *current.Result {
	t.Helper()
	o.Ok(t)
	r, err := version.NewResult(cniVersion, []byte(o.Stdout))
	if err != nil {
		t.Fatalf("parsing result at %s: %v\n%s", cniVersion, err, o.Stdout)
	}
	return AsCurrent(t, r)
}

// IPs returns the addresses of a successful ADD printed at cniVersion,
// without prefix lengths.
func (o Outcome) IPs(t testing.TB, cniVersion string) []string {
	t.Helper()
	var ips []string
	for _, ipc := range o.result(t, cniVersion).IPs {
		ips = append(ips, ipc.Address.IP.String())
	}
	return ips
}

// SameOutcome fails t unless got and want both succeeded with the same
// output, or both failed and got with a CNI error.
func SameOutcome(t testing.TB, what string, got, want Outcome) {
	t.Helper()
	switch {
	case (got.ExitCode == 0) != (want.ExitCode == 0):
		t.Errorf("%s: exit code %d, reference %d\n got: %s%s\nwant: %s%s",
			what, got.ExitCode, want.ExitCode, got.Stdout, got.Stderr, want.Stdout, want.Stderr)
	case got.ExitCode != 0:
		got.CNIError(t)
	case !sameJSON(got.Stdout, want.Stdout) && !(got.Stdout == "" && want.Stdout == ""):
		t.Errorf("%s: result\n got: %s\nwant: %s", what, got.Stdout, want.Stdout)
	}
}

// sameJSON reports whether a and b decode to equal values.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// SameVersions fails t unless cnictl's plugin of type typ answers VERSION
// with the same supported cniVersions as the reference one.
func SameVersions(t testing.TB, typ string) {
	t.Helper()
	var got [2]Outcome
	for i, which := range []Impl{Reference, Ours} {
		got[i] = Run(t, Executable(t, which, typ), Call{Command: "VERSION"}).Ok(t)
	}
	SameOutcome(t, typ+" VERSION", got[1], got[0])
}

// WantIPAMDelAfterFailedAdd runs ADD of cnictl's plugin of type typ, at
// cniVersion 1.1.0 with the top-level keys top, for container c1 as eth0
// in the namespace at nsPath, with an IPAM plugin whose ADD fails after it
// allocated: the recorder test plugin, which writes the attachment's state
// file and then fails on its invalid "ip". It fails t unless ADD fails and
// the plugin, before returning, has run IPAM DEL, which removes that file
// (SPEC.md, section 4, "Delegated plugin execution procedure").
func WantIPAMDelAfterFailedAdd(t testing.TB, typ, nsPath string, top map[string]any) {
	t.Helper()
	stateDir, recordFile := t.TempDir(), filepath.Join(t.TempDir(), "record")
	// The recorder reads its settings from the top level of the network
	// configuration, which delegated plugins get whole.
	conf := map[string]any{"stateDir": stateDir, "recordFile": recordFile, "ip": "not-an-address"}
	maps.Copy(conf, top)
	Run(t, Executable(t, Ours, typ), Call{
		Command: "ADD", ContainerID: "c1", IfName: "eth0", Netns: nsPath,
		PluginDirs: []string{testbin.Recorder(t)},
		Conf:       NetConf(t, "1.1.0", typ, map[string]any{"type": "recorder"}, conf),
	}).CNIError(t)
	entries, err := record.Read(recordFile)
	if err != nil {
		t.Fatal(err)
	}
	var commands []string
	for _, e := range entries {
		commands = append(commands, e.Command)
	}
	if !slices.Equal(commands, []string{"ADD", "DEL"}) {
		t.Errorf("IPAM commands %v, want [ADD DEL]", commands)
	}
	left, err := os.ReadDir(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range left {
		t.Errorf("IPAM allocation %s left after the failed ADD", f.Name())
	}
}
