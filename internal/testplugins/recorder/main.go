// Command recorder is a CNI plugin for tests: it records every invocation
// and behaves as its network configuration tells it to. It never enters the
// network namespace, so CNI_NETNS need not exist.
//
// Every field of the configuration is optional:
//
//	"recordFile": "/path"
//	    On ADD, DEL, CHECK, GC and STATUS, append one JSON line (see
//	    package internal/testplugins/record) with the command, the
//	    CNI_* environment, pid, process group, stdin and time.
//	"stderr": "text"
//	    Write text to stderr on every command.
//	"sleep": {"ADD": "30s", ...}
//	    Sleep that long (time.ParseDuration) for that command.
//	"spawnChild": true
//	    Before sleeping, start "sleep 1000" in the plugin's own process
//	    group, with stdio on /dev/null, and record its pid as childPid. It
//	    is killed if the plugin wakes up, so only a plugin killed while
//	    sleeping leaves it behind.
//	"fail": {"ADD": {"code": 11, "msg": "boom", "details": "more"}, ...}
//	    Return that CNI error for that command, after sleeping. fail.STATUS
//	    is how a plugin reports that it is not ready.
//	"ip": "10.1.2.3/24", "gateway": "10.1.2.1", "dns": {...}
//	    Shape the ADD result, see below.
//	"resultVersion": "1.0.0"
//	    Print the ADD result at this version instead of the
//	    configuration's, as a plugin built for another spec version would.
//	"stateDir": "/path"
//	    Model a plugin owning host resources: ADD writes the netns path to
//	    <stateDir>/<containerID>-<ifname>, DEL removes that file, CHECK
//	    fails with code 11 if it is missing, and GC removes every file not
//	    named after an entry of cni.dev/valid-attachments.
//
// Steps run in this order: record, stderr, sleep, fail, then the command.
//
// ADD prints a result at the configuration's cniVersion: the prevResult if
// there is one (else an empty result) plus an interface named
// "<ifname>-<N>", N being the number of interfaces before it; plus an IP
// (with "gateway") on that interface if "ip" is set; with the configured
// "dns". A result for 0.1.0 or 0.2.0 without any IP gets 192.0.2.1/24.
//
// VERSION reports every CNI version, or the comma-separated list in the
// environment variable RECORDER_SUPPORTED_VERSIONS, which then also limits
// the versions the other commands accept.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
)

// config is the recorder's network configuration.
type config struct {
	types.NetConf
	RecordFile string             `json:"recordFile"`
	Stderr     string             `json:"stderr"`
	Sleep      map[string]string  `json:"sleep"`
	SpawnChild bool               `json:"spawnChild"`
	Fail       map[string]failure `json:"fail"`
	IP         string             `json:"ip"`
	Gateway    string             `json:"gateway"`
	StateDir   string             `json:"stateDir"`
	// ResultVersion overrides the version the ADD result is printed at.
	ResultVersion string `json:"resultVersion"`
}

// failure is the CNI error a command is told to return.
type failure struct {
	Code    uint   `json:"code"`
	Msg     string `json:"msg"`
	Details string `json:"details"`
}

func main() {
	skel.PluginMainFuncs(skel.CNIFuncs{
		Add:    command("ADD", add),
		Del:    command("DEL", del),
		Check:  command("CHECK", check),
		GC:     command("GC", gc),
		Status: command("STATUS", func(*skel.CmdArgs, *config) error { return nil }),
	}, versionInfo(), "recorder")
}

// versionInfo is version.All unless RECORDER_SUPPORTED_VERSIONS is set.
func versionInfo() version.PluginInfo {
	if v := os.Getenv("RECORDER_SUPPORTED_VERSIONS"); v != "" {
		return version.PluginSupports(strings.Split(v, ",")...)
	}
	return version.All
}

// command wraps the action of one CNI command with the behaviour common to
// all commands: parsing the configuration, recording, stderr, sleep, fail.
func command(name string, action func(*skel.CmdArgs, *config) error) func(*skel.CmdArgs) error {
	return func(args *skel.CmdArgs) error {
		conf, err := parseConfig(args.StdinData)
		if err != nil {
			return err
		}
		nap, sleeps, err := sleepDuration(name, conf)
		if err != nil {
			return err
		}
		var child *exec.Cmd
		if sleeps && conf.SpawnChild {
			if child, err = startChild(); err != nil {
				return err
			}
			defer stopChild(child)
		}
		if err := recordInvocation(name, args, conf, child); err != nil {
			return err
		}
		if conf.Stderr != "" {
			fmt.Fprint(os.Stderr, conf.Stderr)
		}
		time.Sleep(nap)
		if f, ok := conf.Fail[name]; ok {
			return types.NewError(f.Code, f.Msg, f.Details)
		}
		return action(args, conf)
	}
}

// parseConfig decodes stdin, including its prevResult.
func parseConfig(stdin []byte) (*config, error) {
	conf := &config{}
	if err := json.Unmarshal(stdin, conf); err != nil {
		return nil, fmt.Errorf("decoding recorder config: %w", err)
	}
	if conf.CNIVersion == "" {
		conf.CNIVersion = "0.1.0"
	}
	if err := version.ParsePrevResult(&conf.NetConf); err != nil {
		return nil, fmt.Errorf("parsing prevResult: %w", err)
	}
	return conf, nil
}
