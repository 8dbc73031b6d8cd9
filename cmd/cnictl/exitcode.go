package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cnictl/cnictl/libcni"
)

// Exit codes of cnictl. exitCode is the only place that picks one for an
// error; exitCodesHelp documents them.
const (
	exitOK            = 0
	exitFailure       = 1
	exitUsage         = 2
	exitNotFound      = 3
	exitInvalidParams = 4
	exitInvalidConfig = 5
	exitPluginFailed  = 6
	exitTimeout       = 7
	exitAttachment    = 8
	exitNotReady      = 9
)

// exitCodesHelp is the exit code table shown by `cnictl --help` and
// `cnictl help exit-codes`.
const exitCodesHelp = `Exit codes:
  0  success
  1  any other failure (including an interrupted operation)
  2  usage error: unknown command, bad flag, wrong arguments, bad flag value
  3  network not found in the configuration directory
  4  invalid parameter (CNI error code 4), such as a container ID or an
     interface name that the spec does not allow
  5  invalid network configuration (CNI error code 7), including a plugin
     that is not installed
  6  a plugin failed, or the operation failed with another CNI error code
     (the code is in the -o json output)
  7  a plugin timed out (see --timeout)
  8  not attached (CHECK, inspect), already attached (ADD), or a network
     still has attachments (net rm without --force)
  9  STATUS: a network is not ready (CNI error code 50 or 51)
 "netns exec" and "run" exit with the command's own exit code (128+N when
 it was killed by signal N) once the command has started.

With -o json an error is printed to stdout as
  {"error": {"code": <CNI code>, "msg": ..., "details": ..., "network": ...,
   "plugin": {"index": ..., "type": ...}, "verb": ..., "containerID": ...},
   "exitCode": <exit code>}
otherwise to stderr as one line "cnictl: <message>".`

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var child *childExitError
	if errors.As(err, &child) {
		return child.code
	}
	var usage *usageError
	if errors.As(err, &usage) {
		return exitUsage
	}
	if errors.Is(err, libcni.ErrNotAttached) || errors.Is(err, libcni.ErrAlreadyAttached) || errors.Is(err, errNoAttachments) || errors.Is(err, errNetworkInUse) {
		return exitAttachment
	}
	if errors.Is(err, context.Canceled) {
		// Interrupted by SIGINT or SIGTERM: whatever failed after that
		// is a consequence, not the cause.
		return exitFailure
	}
	var le *libcni.Error
	isLibErr := errors.As(err, &le)
	if isLibErr && le.Timeout > 0 || errors.Is(err, context.DeadlineExceeded) {
		return exitTimeout
	}
	if libcni.IsNotFound(err) {
		return exitNotFound
	}
	switch code := libcni.CodeOf(err); {
	case code == libcni.ErrCodeInvalidParameters:
		return exitInvalidParams
	case code == libcni.ErrCodeInvalidConfig:
		return exitInvalidConfig
	case code == libcni.ErrCodePluginNotAvailable || code == libcni.ErrCodeLimitedConnectivity:
		return exitNotReady
	case code != 0:
		return exitPluginFailed
	}
	if isLibErr && le.Plugin != nil {
		return exitPluginFailed
	}
	return exitFailure
}

// usageError marks a mistake in how cnictl was called: flags, arguments or
// a flag value (exit code 2).
type usageError struct{ err error }

// Error is the message of the mistake.
func (e *usageError) Error() string { return e.err.Error() }

// Unwrap returns the mistake.
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// childExitError carries the exit code of a command that cnictl ran
// ("netns exec", "run"). The command reported its own failure, so cnictl
// prints nothing more.
type childExitError struct{ code int }

// Error says which status the command exited with.
func (e *childExitError) Error() string { return fmt.Sprintf("command exited with status %d", e.code) }

// reportedError is a failure that the command's output already describes
// (a per-network report of gc or status); it decides the exit code, and in
// table mode a one-line summary goes to stderr.
type reportedError struct {
	summary string
	err     error
}

// Error is the summary of the failure.
func (e *reportedError) Error() string { return e.summary }

// Unwrap returns the failure that decides the exit code.
func (e *reportedError) Unwrap() error { return e.err }

// errNoAttachments says that the cache holds no attachment of a container.
var errNoAttachments = errors.New("no cached attachments")
