package libcni

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
)

// ExecError is returned by the default plugin executor: the plugin's CNI
// error (or one made up when it printed none), what it wrote to stderr,
// and whether it was killed because its context ended.
type ExecError struct {
	CNI      *types.Error
	Stderr   string
	Canceled error
}

func (e *ExecError) Error() string {
	if e.Canceled != nil {
		return fmt.Sprintf("plugin killed: %v", e.Canceled)
	}
	return e.CNI.Error()
}

// Unwrap returns the CNI error, or the context error for a killed plugin.
func (e *ExecError) Unwrap() error {
	if e.Canceled != nil {
		return e.Canceled
	}
	return e.CNI
}

// ProcessExec runs plugins as processes. It implements invoke.Exec, the
// seam upstream libcni uses too, so a runtime can swap in its own executor
// with WithExec. Each plugin runs in a process group of its own; when the
// context ends, the whole group is killed, so a plugin's children cannot
// outlive it.
type ProcessExec struct {
	// Stderr receives what a plugin that succeeded wrote to its standard
	// error; nil drops it. A failing plugin's stderr goes into its error.
	Stderr io.Writer
	version.PluginDecoder
}

var _ invoke.Exec = (*ProcessExec)(nil)

// textBusyRetries is how often a plugin binary that is being written
// ("text file busy") is tried again, as upstream's RawExec does.
const textBusyRetries = 5

// ExecPlugin runs the plugin with stdin and environ and returns its stdout.
func (e *ProcessExec) ExecPlugin(ctx context.Context, pluginPath string, stdin []byte, environ []string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		out, err := e.run(ctx, pluginPath, stdin, environ)
		if errors.Is(err, syscall.ETXTBSY) && attempt < textBusyRetries {
			select {
			case <-ctx.Done():
				return nil, err
			case <-time.After(200 * time.Millisecond):
				continue
			}
		}
		return out, err
	}
}

func (e *ProcessExec) run(ctx context.Context, pluginPath string, stdin []byte, environ []string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, pluginPath)
	cmd.Env = environ
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A grandchild that escaped the group could hold stdout open forever.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if err == nil {
		if e.Stderr != nil && stderr.Len() > 0 {
			_, _ = stderr.WriteTo(e.Stderr)
		}
		return stdout.Bytes(), nil
	}
	if cmd.Process == nil {
		return nil, err
	}
	// Kill what is left of the group even when the plugin itself exited.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	// stdout goes back with the error too, for tracing: it holds the
	// plugin's error object.
	if ctxErr := ctx.Err(); ctxErr != nil {
		return stdout.Bytes(), &ExecError{Canceled: ctxErr, Stderr: stderr.String(), CNI: &types.Error{Msg: ctxErr.Error()}}
	}
	return stdout.Bytes(), &ExecError{CNI: pluginError(err, stdout.Bytes(), stderr.Bytes()), Stderr: stderr.String()}
}

// pluginError decodes the error object a failing plugin prints on stdout
// (SPEC.md, section 5, "Error").
func pluginError(runErr error, stdout, stderr []byte) *types.Error {
	var e types.Error
	if len(bytes.TrimSpace(stdout)) == 0 {
		if len(stderr) == 0 {
			return &types.Error{Msg: fmt.Sprintf("plugin failed with no error message: %v", runErr)}
		}
		return &types.Error{Msg: fmt.Sprintf("plugin failed (%v)", runErr)}
	}
	if err := json.Unmarshal(stdout, &e); err != nil || e.Msg == "" && e.Code == 0 {
		return &types.Error{Code: ErrCodeDecodingFailure, Msg: fmt.Sprintf("plugin failed (%v) and printed no valid error object", runErr), Details: string(stdout)}
	}
	return &e
}

// FindInPath finds the plugin executable in the plugin directories.
func (e *ProcessExec) FindInPath(plugin string, paths []string) (string, error) {
	return invoke.FindInPath(plugin, paths)
}
