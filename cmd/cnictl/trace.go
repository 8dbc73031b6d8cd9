package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cnictl/cnictl/libcni"
)

// traceRecord is one plugin execution as --trace prints it with -o json,
// one JSON object per line on stderr.
type traceRecord struct {
	Verb    string    `json:"verb"`
	Network string    `json:"network"`
	Plugin  pluginRef `json:"plugin"`
	Path    string    `json:"path"`
	Env     []string  `json:"env"`
	// Stdin and Stdout are embedded as JSON when they are JSON, else as
	// a string.
	Stdin      json.RawMessage `json:"stdin"`
	Stdout     json.RawMessage `json:"stdout"`
	Error      string          `json:"error,omitempty"`
	DurationMS float64         `json:"durationMs"`
}

// Trace writes one plugin execution to stderr: a block of text in table
// mode, a JSON line with -o json.
func (p *printer) Trace(ev libcni.TraceEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	env := slices.Sorted(slices.Values(ev.Env))
	if p.format == formatJSON {
		rec := traceRecord{
			Verb:       ev.Verb,
			Network:    ev.Network,
			Plugin:     pluginRef{Index: ev.Plugin.Index, Type: ev.Plugin.Type},
			Path:       ev.Path,
			Env:        env,
			Stdin:      jsonOrString(ev.Stdin),
			Stdout:     jsonOrString(ev.Stdout),
			DurationMS: float64(ev.Duration.Microseconds()) / 1000,
		}
		if ev.Err != nil {
			rec.Error = ev.Err.Error()
		}
		data, err := json.Marshal(rec)
		if err != nil {
			fmt.Fprintf(p.stderr, "cnictl: trace: %v\n", err)
			return
		}
		fmt.Fprintf(p.stderr, "%s\n", data)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s network %q %s (%s) ---\n", ev.Verb, ev.Network, ev.Plugin, ev.Duration.Round(time.Microsecond))
	fmt.Fprintf(&b, "path: %s\n", ev.Path)
	for _, kv := range env {
		fmt.Fprintf(&b, "env: %s\n", kv)
	}
	fmt.Fprintf(&b, "stdin: %s\n", oneLine(ev.Stdin))
	fmt.Fprintf(&b, "stdout: %s\n", oneLine(ev.Stdout))
	if ev.Err != nil {
		fmt.Fprintf(&b, "error: %v\n", ev.Err)
	}
	fmt.Fprint(p.stderr, b.String())
}

// jsonOrString is data itself when it is a JSON document, else data as a
// JSON string ("" for nothing).
func jsonOrString(data []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, data) == nil {
		return buf.Bytes()
	}
	s, _ := json.Marshal(strings.TrimSpace(string(data)))
	return s
}

// oneLine compacts JSON, so each part of a trace block stays on one line;
// anything else is shown as it is.
func oneLine(data []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, data) == nil {
		return buf.String()
	}
	return strings.TrimSpace(string(data))
}
