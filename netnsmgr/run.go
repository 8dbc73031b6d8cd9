//go:build linux

package netnsmgr

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
)

// Run runs cmd inside a network namespace, like `ip netns exec`, and waits
// for it to exit. netns is resolved with Resolve, so it is a name under Dir
// or a path. cmd is started by a goroutine locked to an OS thread that is
// switched into the namespace (the forked child inherits the thread's
// namespace), then switched back; that thread returns to the scheduler only
// if switching back succeeded (see Do).
//
// Unlike `ip netns exec`, Run does not bind-mount the files of
// /etc/netns/<name>/ over /etc nor remount /sys for the namespace: the
// command sees the caller's /etc and /sys.
//
// The caller owns cmd's stdio and other settings. If ctx is done before
// the command exits, the process is killed. When the command exits with a
// non-zero status or is killed, the *exec.ExitError of cmd.Wait is
// returned as is, so its ExitCode is available.
func (m *Manager) Run(ctx context.Context, netns string, cmd *exec.Cmd) error {
	path, err := m.Resolve(netns)
	if err != nil {
		return fmt.Errorf("running %s: %w", cmd.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("running %s in netns %s: %w", cmd.Path, path, err)
	}
	if err := Do(path, cmd.Start); err != nil {
		return fmt.Errorf("starting %s in netns %s: %w", cmd.Path, path, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	defer stop()
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if err == nil || errors.As(err, &exitErr) {
		return err
	}
	return fmt.Errorf("waiting for %s in netns %s: %w", cmd.Path, path, err)
}
