package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Output formats of -o/--output.
const (
	formatTable = "table"
	formatJSON  = "json"
)

// view is what a command prints: the same value is rendered as tables for
// people and marshalled as JSON for scripts.
type view interface {
	// writeTable renders the view for people.
	writeTable(w io.Writer) error
}

// printer is the only way commands write output: data to stdout, notes,
// warnings, traces and (in table mode) errors to stderr.
type printer struct {
	format string
	quiet  bool
	stdout io.Writer
	stderr io.Writer
	// mu keeps trace events of concurrent plugin executions apart.
	mu sync.Mutex
}

// jsonIndent is the indentation of every JSON document cnictl prints; it
// is the one cnitool prints results with.
const jsonIndent = "    "

// Print writes v to stdout.
func (p *printer) Print(v view) error {
	if p.format == formatJSON {
		return p.writeJSON(p.stdout, v)
	}
	return v.writeTable(p.stdout)
}

// Action writes the outcome of a command that changes something; in table
// mode --quiet suppresses it. JSON output is always written, since a script
// asked for it.
func (p *printer) Action(v view) error {
	if p.quiet && p.format != formatJSON {
		return nil
	}
	return p.Print(v)
}

// Note writes an informational line to stderr unless --quiet is set.
func (p *printer) Note(format string, args ...any) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.stderr, "cnictl: note: "+format+"\n", args...)
}

// Warn writes a warning line to stderr, also with --quiet.
func (p *printer) Warn(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.stderr, "cnictl: warning: "+format+"\n", args...)
}

// Error reports the error a command failed with, which makes cnictl exit
// with code: as a JSON document on stdout, or as one line on stderr.
func (p *printer) Error(err error, code int) {
	var child *childExitError
	if errors.As(err, &child) {
		return
	}
	var reported *reportedError
	if errors.As(err, &reported) {
		if p.format != formatJSON {
			fmt.Fprintf(p.stderr, "cnictl: %s\n", reported.summary)
		}
		return
	}
	if p.format == formatJSON {
		doc := struct {
			Error    errorInfo `json:"error"`
			ExitCode int       `json:"exitCode"`
		}{errorInfoOf(err), code}
		if p.writeJSON(p.stdout, doc) == nil {
			return
		}
	}
	fmt.Fprintf(p.stderr, "cnictl: %v\n", err)
}

// UsageHint points a person who made a usage error at the help of the
// command; scripts reading JSON do not need it.
func (p *printer) UsageHint(commandPath string) {
	if p.format == formatJSON {
		return
	}
	fmt.Fprintf(p.stderr, "Run '%s --help' for usage.\n", commandPath)
}

func (p *printer) writeJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", jsonIndent)
	if err != nil {
		return fmt.Errorf("encoding JSON output: %w", err)
	}
	data = append(data, '\n')
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}
