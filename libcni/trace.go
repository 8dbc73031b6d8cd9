package libcni

import (
	"context"
	"time"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/version"
)

// TraceEvent describes one plugin execution.
type TraceEvent struct {
	Verb    string
	Network string
	Plugin  PluginRef
	// Path is the plugin executable.
	Path string
	// Env are the CNI_* variables the plugin got.
	Env []string
	// Stdin is the request configuration sent; Stdout what the plugin
	// printed (its result or error object).
	Stdin  []byte
	Stdout []byte
	Err    error
	// Duration is the wall time of the execution.
	Duration time.Duration
}

// tracingExec records the raw exchange with the plugin for a TraceEvent
// while leaving result decoding to pkg/invoke.
type tracingExec struct {
	invoke.Exec
	event *TraceEvent
}

func (t *tracingExec) ExecPlugin(ctx context.Context, pluginPath string, stdin []byte, environ []string) ([]byte, error) {
	t.event.Path = pluginPath
	t.event.Stdin = stdin
	for _, kv := range environ {
		if len(kv) > 4 && kv[:4] == "CNI_" {
			t.event.Env = append(t.event.Env, kv)
		}
	}
	out, err := t.Exec.ExecPlugin(ctx, pluginPath, stdin, environ)
	t.event.Stdout = out
	return out, err
}

func (t *tracingExec) Decode(data []byte) (version.PluginInfo, error) {
	return t.Exec.Decode(data)
}
