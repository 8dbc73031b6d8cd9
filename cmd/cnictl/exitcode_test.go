package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/libcni"
)

func TestExitCode(t *testing.T) {
	plugin := &libcni.PluginRef{Index: 1, Type: "portmap"}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"plain error", errors.New("boom"), exitFailure},
		{"usage", usagef("bad flag"), exitUsage},
		{"wrapped usage", fmt.Errorf("parsing: %w", usagef("bad")), exitUsage},
		{"network not found", &libcni.NotFoundError{Dir: "/etc/cni/net.d", Name: "x"}, exitNotFound},
		{"wrapped not found", fmt.Errorf("loading: %w", &libcni.NotFoundError{Name: "x"}), exitNotFound},
		{"invalid parameter", &libcni.Error{Verb: "ADD", Code: libcni.ErrCodeInvalidParameters, Msg: "invalid characters in containerID"}, exitInvalidParams},
		{"invalid config", &libcni.Error{Network: "n", Code: libcni.ErrCodeInvalidConfig, Msg: "invalid network configuration"}, exitInvalidConfig},
		{"plugin missing", &libcni.Error{Verb: "ADD", Plugin: plugin, Code: libcni.ErrCodeInvalidConfig, Msg: "plugin not found"}, exitInvalidConfig},
		{"plugin error code", &libcni.Error{Verb: "ADD", Plugin: plugin, Code: libcni.ErrCodeTryAgainLater, Msg: "try again"}, exitPluginFailed},
		{"plugin I/O error", &libcni.Error{Verb: "DEL", Plugin: plugin, Code: libcni.ErrCodeIOFailure}, exitPluginFailed},
		{"plugin error without code", &libcni.Error{Verb: "ADD", Plugin: plugin, Msg: "plugin failed"}, exitPluginFailed},
		{"CNI error from elsewhere", types.NewError(types.ErrDecodingFailure, "bad", ""), exitPluginFailed},
		{"incompatible version", &libcni.Error{Verb: "CHECK", Code: libcni.ErrCodeIncompatibleVersion}, exitPluginFailed},
		{"timeout", &libcni.Error{Verb: "ADD", Plugin: plugin, Timeout: time.Second, Err: &libcni.ExecError{Canceled: context.DeadlineExceeded}}, exitTimeout},
		{"deadline", fmt.Errorf("VERSION: %w", context.DeadlineExceeded), exitTimeout},
		{"interrupted", &libcni.Error{Verb: "ADD", Plugin: plugin, Err: &libcni.ExecError{Canceled: context.Canceled}}, exitFailure},
		{"not attached", &libcni.Error{Verb: "CHECK", Code: libcni.ErrCodeUnknownContainer, Err: libcni.ErrNotAttached}, exitAttachment},
		{"already attached", &libcni.Error{Verb: "ADD", Err: libcni.ErrAlreadyAttached}, exitAttachment},
		{"no cached attachments", fmt.Errorf("container x: %w", errNoAttachments), exitAttachment},
		{"plugin not available", &libcni.Error{Verb: "STATUS", Plugin: plugin, Code: libcni.ErrCodePluginNotAvailable}, exitNotReady},
		{"limited connectivity", &libcni.Error{Verb: "STATUS", Plugin: plugin, Code: libcni.ErrCodeLimitedConnectivity}, exitNotReady},
		{"reported not ready", &reportedError{summary: "1 of 2 networks not ready", err: &libcni.Error{Code: libcni.ErrCodePluginNotAvailable}}, exitNotReady},
		{"joined GC errors", errors.Join(errors.New("stale attachment"), &libcni.Error{Verb: "GC", Plugin: plugin, Code: 11}), exitPluginFailed},
		{"child exit status", &childExitError{code: 42}, 42},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}
