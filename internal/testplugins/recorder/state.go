package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
)

// stateName names the state file of one attachment.
func stateName(containerID, ifName string) string {
	return containerID + "-" + ifName
}

// writeState creates the attachment's state file, holding the netns path.
func writeState(args *skel.CmdArgs, conf *config) error {
	if conf.StateDir == "" {
		return nil
	}
	if err := os.MkdirAll(conf.StateDir, 0o755); err != nil {
		return fmt.Errorf("creating stateDir: %w", err)
	}
	path := filepath.Join(conf.StateDir, stateName(args.ContainerID, args.IfName))
	if err := os.WriteFile(path, []byte(args.Netns), 0o644); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	return nil
}

// del removes the attachment's state file; a missing one is fine.
func del(args *skel.CmdArgs, conf *config) error {
	if conf.StateDir == "" {
		return nil
	}
	err := os.Remove(filepath.Join(conf.StateDir, stateName(args.ContainerID, args.IfName)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing state: %w", err)
	}
	return nil
}

// check fails with code 11 if the attachment's state file is missing.
func check(args *skel.CmdArgs, conf *config) error {
	if conf.StateDir == "" {
		return nil
	}
	path := filepath.Join(conf.StateDir, stateName(args.ContainerID, args.IfName))
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return types.NewError(types.ErrTryAgainLater, "attachment state missing", path)
	}
	if err != nil {
		return fmt.Errorf("checking state: %w", err)
	}
	return nil
}

// gc removes the state file of every attachment that is not valid.
func gc(_ *skel.CmdArgs, conf *config) error {
	if conf.StateDir == "" {
		return nil
	}
	entries, err := os.ReadDir(conf.StateDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing stateDir: %w", err)
	}
	valid := map[string]bool{}
	for _, a := range conf.ValidAttachments {
		valid[stateName(a.ContainerID, a.IfName)] = true
	}
	for _, e := range entries {
		if e.IsDir() || valid[e.Name()] {
			continue
		}
		if err := os.Remove(filepath.Join(conf.StateDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing stale state: %w", err)
		}
	}
	return nil
}
