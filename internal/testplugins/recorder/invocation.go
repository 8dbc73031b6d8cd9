package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/containernetworking/cni/pkg/skel"

	"github.com/cnictl/cnictl/internal/testplugins/record"
)

// recordInvocation appends the record line for this invocation, if the
// configuration asks for one.
func recordInvocation(name string, args *skel.CmdArgs, conf *config, child *exec.Cmd) error {
	if conf.RecordFile == "" {
		return nil
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "CNI_") {
			env[k] = v
		}
	}
	e := record.Entry{
		Command:     name,
		ContainerID: args.ContainerID,
		Netns:       args.Netns,
		IfName:      args.IfName,
		Args:        args.Args,
		Path:        args.Path,
		Pid:         os.Getpid(),
		Pgid:        syscall.Getpgrp(),
		Stdin:       json.RawMessage(args.StdinData),
		Env:         env,
		Time:        time.Now(),
	}
	if child != nil {
		e.ChildPid = child.Process.Pid
	}
	return record.Append(conf.RecordFile, e)
}

// sleepDuration returns how long the configuration says to sleep for this
// command, and whether it says to sleep at all.
func sleepDuration(name string, conf *config) (time.Duration, bool, error) {
	s, ok := conf.Sleep[name]
	if !ok {
		return 0, false, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, false, fmt.Errorf("parsing sleep for %s: %w", name, err)
	}
	return d, true, nil
}

// startChild starts "sleep 1000" in the plugin's process group, with its
// stdio on /dev/null.
func startChild() (*exec.Cmd, error) {
	child := exec.Command("sleep", "1000")
	if err := child.Start(); err != nil {
		return nil, fmt.Errorf("starting child: %w", err)
	}
	return child, nil
}

// stopChild kills and reaps child. Both can only fail if the child is
// already gone, which is what stopChild is for.
func stopChild(child *exec.Cmd) {
	_ = child.Process.Kill()
	_ = child.Wait()
}
