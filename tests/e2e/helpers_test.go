package e2e

import (
	"bytes"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/internal/testplugins/record"
)

// cnictlPkg is the package of the binary under test.
const cnictlPkg = "github.com/cnictl/cnictl/cmd/cnictl"

// netnsDir is where `ip netns` and cnictl keep named namespaces: the
// private /run of the hermetic namespaces.
const netnsDir = "/var/run/netns"

// env is what one test runs cnictl with: the binaries, and a configuration,
// cache and IPAM directory of its own.
type env struct {
	t *testing.T
	// cnictl is the binary under test; cnitool upstream's.
	cnictl  string
	cnitool string
	// pluginPath lists the directories of the reference plugins and of
	// the recorder, colon-separated, as --plugin-dir and CNI_PATH take it.
	pluginPath string
	confDir    string
	cacheDir   string
	ipamDir    string
	// work is a scratch directory for record files and plugin state.
	work string
	// networks are the names of the networks written into confDir.
	networks []string
	// bridges are the bridge devices of the test's networks, which the
	// reference bridge plugin keeps after the last DEL.
	bridges []string
	// global are the flags put before every cnictl command; nil means
	// the directories above.
	global []string
}

// newEnv builds the binaries and makes the test's directories. The test
// writes its networks and then calls start.
func newEnv(t *testing.T) *env {
	t.Helper()
	hermetic.Require(t)
	ref := testbin.Reference(t, "bridge", "host-local", "loopback", "portmap")
	e := &env{
		t:          t,
		cnictl:     filepath.Join(testbin.Build(t, cnictlPkg), "cnictl"),
		cnitool:    testbin.Cnitool(t),
		pluginPath: ref + ":" + testbin.Recorder(t),
		work:       t.TempDir(),
	}
	e.confDir = filepath.Join(e.work, "net.d")
	e.cacheDir = filepath.Join(e.work, "cache")
	e.ipamDir = filepath.Join(e.work, "ipam")
	for _, d := range []string{e.confDir, e.ipamDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// start makes the files that stay by design, then snapshots the state for
// the leak check: cnictl's network lock file (one harmless `cnictl gc` of
// every network makes it) and host-local's lock and last-reserved-IP files
// of each bridge network. dirs are watched for leaks along with the cache
// and IPAM directories. The bridges are deleted before the leak check.
func (e *env) start(dirs ...string) {
	e.t.Helper()
	if len(e.networks) > 0 {
		if r := e.run(append([]string{"gc"}, e.networks...)...); r.code != 0 {
			e.t.Fatalf("priming the lock file with cnictl gc: %s", r)
		}
		if _, err := os.Stat(filepath.Join(e.cacheDir, "locks", "networks.lock")); err != nil {
			e.t.Fatalf("cnictl gc did not make the network lock file: %v", err)
		}
	}
	hermetic.CheckLeaks(e.t, append([]string{e.cacheDir, e.ipamDir}, dirs...)...)
	e.t.Cleanup(func() {
		for _, name := range e.bridges {
			if l, err := netlink.LinkByName(name); err == nil {
				if err := netlink.LinkDel(l); err != nil {
					e.t.Errorf("deleting bridge %s: %v", name, err)
				}
			}
		}
	})
}

// writeConf writes a network configuration list file into the conf dir;
// name is the network's name and the file's.
func (e *env) writeConf(name string, conf map[string]any) {
	e.t.Helper()
	writeJSON(e.t, filepath.Join(e.confDir, name+".conflist"), conf)
	e.networks = append(e.networks, name)
}

// bridgeNet writes a bridge + host-local + loopback network with its own
// bridge device and /24, and prepares host-local's data directory.
func (e *env) bridgeNet(name, bridge, subnet string) {
	e.t.Helper()
	e.writeConf(name, bridgeConf(name, bridge, subnet, e.ipamDir))
	e.bridges = append(e.bridges, bridge)
	primeHostLocal(e.t, e.ipamDir, name)
}

// bridgeConf is the configuration of a bridge + host-local + loopback
// chain at cniVersion 1.0.0.
func bridgeConf(name, bridge, subnet, dataDir string) map[string]any {
	ipam := map[string]any{"type": "host-local", "subnet": subnet}
	if dataDir != "" {
		ipam["dataDir"] = dataDir
	}
	return map[string]any{
		"cniVersion": "1.0.0",
		"name":       name,
		"plugins": []any{
			map[string]any{"type": "bridge", "bridge": bridge, "isGateway": true, "ipam": ipam},
			map[string]any{"type": "loopback"},
		},
	}
}

// primeHostLocal makes the two files that host-local keeps in its data
// directory for good once it has allocated an address: its lock file and
// the last reserved IP of range 0 (an empty one means none).
func primeHostLocal(t *testing.T, dataDir, network string) {
	t.Helper()
	dir := filepath.Join(dataDir, network)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"lock", "last_reserved_ip.0"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// globalFlags are the flags that point cnictl at the test's directories.
func (e *env) globalFlags() []string {
	if e.global != nil {
		return e.global
	}
	return []string{"--conf-dir", e.confDir, "--plugin-dir", e.pluginPath, "--cache-dir", e.cacheDir}
}

// run runs cnictl with the global flags and args. It is safe to call from
// several goroutines.
func (e *env) run(args ...string) outcome {
	return runProgram(cleanEnv(), e.cnictl, append(e.globalFlags(), args...)...)
}

// mustRun is run for commands that must succeed.
func (e *env) mustRun(args ...string) outcome {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("cnictl %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// runCnitool runs upstream cnitool on the test's configuration and plugin
// directories (it always uses the cache directory /var/lib/cni).
func (e *env) runCnitool(args ...string) outcome {
	env := append(cleanEnv(), "NETCONFPATH="+e.confDir, "CNI_PATH="+e.pluginPath)
	return runProgram(env, e.cnitool, args...)
}

// outcome is how a process ended.
type outcome struct {
	args           []string
	stdout, stderr string
	// code is the exit code; -1 when the process could not be run, with
	// the reason in stderr.
	code int
}

func (o outcome) String() string {
	return fmt.Sprintf("%q: exit %d\nstdout:\n%s\nstderr:\n%s", o.args, o.code, o.stdout, o.stderr)
}

// runProgram runs a program to its end and never fails the test, so that
// goroutines can use it.
func runProgram(env []string, name string, args ...string) outcome {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := outcome{args: append([]string{filepath.Base(name)}, args...), stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		o.code = exitErr.ExitCode()
	case err != nil:
		o.code = -1
		o.stderr += err.Error()
	}
	return o
}

// runTool runs a system tool (ip, ...) that must succeed.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	r := runProgram(cleanEnv(), name, args...)
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	return r.stdout
}

// cleanEnv is the test process's environment without the variables that
// cnictl and cnitool read, so that only what a test passes counts.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "NETCONFPATH", "CNI_PATH", "CNI_ARGS", "CAP_ARGS", "CNI_IFNAME", "CNICTL_TIMEOUT":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// decode parses a JSON document that a command printed.
func decode[T any](t *testing.T, what, data string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		t.Fatalf("%s is not the expected JSON: %v\n%s", what, err, data)
	}
	return v
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cniResult is the part of a CNI result (cniVersion 1.0.0) the tests read.
type cniResult struct {
	CNIVersion string `json:"cniVersion"`
	Interfaces []struct {
		Name    string `json:"name"`
		Sandbox string `json:"sandbox"`
	} `json:"interfaces"`
	IPs []struct {
		Address string `json:"address"`
		Gateway string `json:"gateway"`
	} `json:"ips"`
}

// ip is the one address of a result, without prefix length.
func (r cniResult) ip(t *testing.T) string {
	t.Helper()
	if len(r.IPs) != 1 {
		t.Fatalf("result has %d IPs, want 1: %+v", len(r.IPs), r)
	}
	ip, _, err := net.ParseCIDR(r.IPs[0].Address)
	if err != nil {
		t.Fatalf("result IP %q: %v", r.IPs[0].Address, err)
	}
	return ip.String()
}

// errorDoc is what cnictl -o json prints when a command fails.
type errorDoc struct {
	Error struct {
		Code        uint   `json:"code"`
		Msg         string `json:"msg"`
		Details     string `json:"details"`
		Message     string `json:"message"`
		Network     string `json:"network"`
		Verb        string `json:"verb"`
		ContainerID string `json:"containerID"`
		IfName      string `json:"ifName"`
		Plugin      *struct {
			Index int    `json:"index"`
			Type  string `json:"type"`
		} `json:"plugin"`
		RolledBack    bool   `json:"rolledBack"`
		RollbackError string `json:"rollbackError"`
	} `json:"error"`
	ExitCode *int `json:"exitCode"`
}

// attachmentList is the output of cnictl ls -o json.
type attachmentList struct {
	Attachments []struct {
		ContainerID string   `json:"containerID"`
		Network     string   `json:"network"`
		IfName      string   `json:"ifName"`
		NetNS       string   `json:"netns"`
		IPs         []string `json:"ips"`
		Complete    bool     `json:"complete"`
	} `json:"attachments"`
	Corrupt []struct {
		File  string `json:"file"`
		Error string `json:"error"`
	} `json:"corrupt"`
}

// ls runs cnictl ls -o json.
func (e *env) ls() attachmentList {
	e.t.Helper()
	return decode[attachmentList](e.t, "cnictl ls -o json", e.mustRun("-o", "json", "ls").stdout)
}

// cnitoolID is the container ID that cnitool (and cnictl without
// --container-id) derives from a netns path.
func cnitoolID(path string) string {
	sum := sha512.Sum512([]byte(path))
	return fmt.Sprintf("cnitool-%x", sum[:10])
}

// cacheFiles lists the entries of a cache directory by file name.
func cacheFiles(t *testing.T, cacheDir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(cacheDir, "results"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range entries {
		names = append(names, d.Name())
	}
	return names
}

// allocations lists the addresses host-local holds for network.
func allocations(t *testing.T, dataDir, network string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dataDir, network))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, d := range entries {
		if net.ParseIP(d.Name()) != nil {
			ips = append(ips, d.Name())
		}
	}
	return ips
}

// hostVeths lists the veth devices of the test's (host) namespace.
func hostVeths(t *testing.T) []string { return hostLinks(t, "veth") }

// hostLinks lists the devices of kind typ in the test's (host) namespace.
func hostLinks(t *testing.T, typ string) []string {
	t.Helper()
	links, err := netlinksafe.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range links {
		if l.Type() == typ {
			names = append(names, l.Attrs().Name)
		}
	}
	return names
}

// ipNetns makes a namespace with `ip netns add`; it is deleted when the
// test ends unless the test deleted it.
func ipNetns(t *testing.T, name string) string {
	t.Helper()
	runTool(t, "ip", "netns", "add", name)
	t.Cleanup(func() { runProgram(cleanEnv(), "ip", "netns", "del", name) })
	return filepath.Join(netnsDir, name)
}

// cnictlNetns makes a namespace with `cnictl netns add`; it is deleted
// when the test ends unless the test deleted it.
func (e *env) cnictlNetns(name string) string {
	e.t.Helper()
	e.mustRun("netns", "add", name)
	e.t.Cleanup(func() { e.run("netns", "del", name) })
	return filepath.Join(netnsDir, name)
}

// linkInNetns reports whether the namespace has a link called name.
func linkInNetns(t *testing.T, ns, name string) bool {
	t.Helper()
	r := runProgram(cleanEnv(), "ip", "-n", ns, "link", "show", name)
	return r.code == 0
}

// records reads the recorder's record file.
func records(t *testing.T, path string) []record.Entry {
	t.Helper()
	entries, err := record.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// commands lists the commands of the records in order.
func commands(entries []record.Entry) []string {
	var cmds []string
	for _, e := range entries {
		cmds = append(cmds, e.Command)
	}
	return cmds
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processGone reports whether pid no longer runs: it does not exist, or it
// is a zombie waiting for a parent that may never reap it.
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	_, rest, ok := strings.Cut(string(data), ") ")
	return ok && strings.HasPrefix(rest, "Z")
}

// recorderConf is a recorder plugin configuration with extra fields.
func recorderConf(fields map[string]any) map[string]any {
	p := map[string]any{"type": "recorder"}
	for k, v := range fields {
		p[k] = v
	}
	return p
}

// netList is a configuration list of plugins.
func netList(name, version string, plugins ...map[string]any) map[string]any {
	list := make([]any, 0, len(plugins))
	for _, p := range plugins {
		list = append(list, p)
	}
	return map[string]any{"cniVersion": version, "name": name, "plugins": list}
}
