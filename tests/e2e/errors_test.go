package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestExitCodes drives every documented exit code through the binary, in
// table mode (one "cnictl: " line on stderr, nothing on stdout) and with
// -o json (the error as a JSON document on stdout with the exit code).
func TestExitCodes(t *testing.T) {
	e := newEnv(t)
	failRec := filepath.Join(e.work, "failing.jsonl")
	hangRec := filepath.Join(e.work, "hanging.jsonl")
	missingRec := filepath.Join(e.work, "missing.jsonl")
	e.writeConf("okrec", netList("okrec", "1.0.0", recorderConf(nil)))
	e.writeConf("failing", netList("failing", "1.0.0",
		recorderConf(map[string]any{"recordFile": failRec}),
		recorderConf(map[string]any{"recordFile": failRec, "fail": map[string]any{"ADD": map[string]any{"code": 11, "msg": "boom", "details": "on purpose"}}})))
	e.writeConf("hanging", netList("hanging", "1.0.0",
		recorderConf(map[string]any{"recordFile": hangRec, "sleep": map[string]any{"ADD": "60s"}, "spawnChild": true})))
	e.writeConf("notready", netList("notready", "1.1.0",
		recorderConf(map[string]any{"fail": map[string]any{"STATUS": map[string]any{"code": 50, "msg": "not ready yet"}}})))
	e.start()
	// Written after start, whose gc would fail on it.
	writeJSON(t, filepath.Join(e.confDir, "missing.conflist"), netList("missing", "1.0.0",
		recorderConf(map[string]any{"recordFile": missingRec}), map[string]any{"type": "nosuchplugin"}))
	e.cnictlNetns("errs")

	t.Run("documented", func(t *testing.T) {
		help := e.mustRun("help", "exit-codes").stdout
		for code := 0; code <= 9; code++ {
			if !regexp.MustCompile(fmt.Sprintf(`(?m)^\s+%d\s+\S`, code)).MatchString(help) {
				t.Errorf("cnictl help exit-codes does not document %d:\n%s", code, help)
			}
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		exit int
		// check looks at the JSON error.
		check func(t *testing.T, got errorDoc)
		// after runs after each mode.
		after func(t *testing.T)
	}{
		{
			name: "unknown network", exit: 3,
			args: []string{"add", "nosuchnet", "errs"},
			check: func(t *testing.T, got errorDoc) {
				if got.Error.Network != "nosuchnet" {
					t.Errorf("error does not name the network: %+v", got)
				}
			},
		},
		{
			name: "invalid container ID", exit: 4,
			args: []string{"add", "okrec", "errs", "--container-id", "../x"},
			check: func(t *testing.T, got errorDoc) {
				if got.Error.Code != 4 {
					t.Errorf("CNI code %d, want 4: %+v", got.Error.Code, got)
				}
			},
		},
		{
			name: "plugin missing", exit: 5,
			args: []string{"add", "missing", "errs"},
			check: func(t *testing.T, got errorDoc) {
				p := got.Error.Plugin
				if got.Error.Code != 7 || p == nil || p.Index != 1 || p.Type != "nosuchplugin" {
					t.Errorf("want CNI code 7 for plugin #1 nosuchplugin: %+v", got)
				}
			},
			after: func(t *testing.T) {
				if r := records(t, missingRec); len(r) != 0 {
					t.Errorf("plugins ran although one is missing: %v", commands(r))
				}
			},
		},
		{
			name: "plugin failed", exit: 6,
			args: []string{"add", "failing", "errs"},
			check: func(t *testing.T, got errorDoc) {
				d := got.Error
				if d.Code != 11 || d.Plugin == nil || d.Plugin.Index != 1 || d.Plugin.Type != "recorder" ||
					d.Verb != "ADD" || !d.RolledBack || d.Msg != "boom" || d.Details != "on purpose" {
					t.Errorf("want code 11 boom/on purpose from plugin #1 recorder in ADD, rolled back: %+v", got)
				}
			},
			after: func(t *testing.T) {
				// ADD of both plugins, then the rollback in reverse order.
				got := commands(records(t, failRec))
				if len(got) < 4 || !slices.Equal(got[len(got)-4:], []string{"ADD", "ADD", "DEL", "DEL"}) {
					t.Errorf("recorder calls %v, want ADD ADD DEL DEL at the end", got)
				}
			},
		},
		{
			name: "plugin timed out", exit: 7,
			args: []string{"--timeout", "300ms", "add", "hanging", "errs"},
			check: func(t *testing.T, got errorDoc) {
				d := got.Error
				if d.Plugin == nil || d.Plugin.Index != 0 || d.Verb != "ADD" || !d.RolledBack {
					t.Errorf("want plugin #0 in ADD, rolled back: %+v", got)
				}
				for _, want := range []string{"ADD", `type="recorder"`, "300ms"} {
					if !strings.Contains(d.Message, want) {
						t.Errorf("message %q does not say %s", d.Message, want)
					}
				}
			},
			after: func(t *testing.T) {
				// The last calls are the hanging ADD and its rollback.
				recs := records(t, hangRec)
				if got := commands(recs); len(got) < 2 || !slices.Equal(got[len(got)-2:], []string{"ADD", "DEL"}) {
					t.Fatalf("recorder calls %v, want ADD DEL at the end", got)
				}
				pid := recs[len(recs)-2].ChildPid
				if pid == 0 {
					t.Fatal("the hanging ADD recorded no child")
				}
				// The plugin's whole process group was killed.
				waitFor(t, 5*time.Second, fmt.Sprintf("the plugin's child %d to be killed", pid), func() bool { return processGone(pid) })
			},
		},
		{
			name: "not attached", exit: 8,
			args: []string{"check", "okrec", "errs"},
			check: func(t *testing.T, got errorDoc) {
				if got.Error.Verb != "CHECK" || got.Error.Network != "okrec" {
					t.Errorf("want a CHECK error of okrec: %+v", got)
				}
			},
		},
		{
			name: "bad flag", exit: 2,
			args: []string{"add", "--no-such-flag", "okrec", "errs"},
			check: func(t *testing.T, got errorDoc) {
				if !strings.Contains(got.Error.Msg, "no-such-flag") {
					t.Errorf("error does not name the flag: %+v", got)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("table", func(t *testing.T) {
				r := e.run(tc.args...)
				if r.code != tc.exit {
					t.Fatalf("want exit code %d: %s", tc.exit, r)
				}
				if r.stdout != "" {
					t.Errorf("stdout not empty: %s", r)
				}
				oneErrorLine(t, r)
				if tc.name == "plugin timed out" {
					for _, want := range []string{"ADD", `type="recorder"`, "300ms"} {
						if !strings.Contains(r.stderr, want) {
							t.Errorf("error line does not say %s: %s", want, r.stderr)
						}
					}
				}
				if tc.after != nil {
					tc.after(t)
				}
			})
			t.Run("json", func(t *testing.T) {
				r := e.run(append([]string{"-o", "json"}, tc.args...)...)
				if r.code != tc.exit {
					t.Fatalf("want exit code %d: %s", tc.exit, r)
				}
				if r.stderr != "" {
					t.Errorf("stderr not empty with -o json: %s", r)
				}
				doc := decode[errorDoc](t, "the JSON error", r.stdout)
				if doc.ExitCode == nil || *doc.ExitCode != tc.exit {
					t.Errorf("exitCode field %v, want %d: %s", doc.ExitCode, tc.exit, r.stdout)
				}
				tc.check(t, doc)
				if tc.after != nil {
					tc.after(t)
				}
			})
		})
	}

	t.Run("already attached", func(t *testing.T) {
		e.mustRun("add", "okrec", "errs")
		defer e.mustRun("del", "okrec", "errs")
		r := e.run("add", "okrec", "errs")
		if r.code != 8 {
			t.Fatalf("second add of one attachment: want exit code 8: %s", r)
		}
		oneErrorLine(t, r)
		r = e.run("-o", "json", "add", "okrec", "errs")
		if doc := decode[errorDoc](t, "the JSON error", r.stdout); r.code != 8 || doc.ExitCode == nil || *doc.ExitCode != 8 || doc.Error.Verb != "ADD" {
			t.Errorf("want exit code 8 and an ADD error: %s", r)
		}
	})

	t.Run("status not ready", func(t *testing.T) {
		r := e.run("status", "notready")
		if r.code != 9 {
			t.Fatalf("want exit code 9: %s", r)
		}
		if !strings.Contains(r.stdout, "not ready") || !strings.Contains(r.stdout, "50") {
			t.Errorf("the report does not show code 50: %s", r)
		}
		oneErrorLine(t, r)

		r = e.run("-o", "json", "status", "notready")
		if r.code != 9 {
			t.Fatalf("want exit code 9: %s", r)
		}
		type statusReport struct {
			Networks []struct {
				Network string `json:"network"`
				Status  string `json:"status"`
				Error   *struct {
					Code   uint   `json:"code"`
					Msg    string `json:"msg"`
					Verb   string `json:"verb"`
					Plugin *struct {
						Index int `json:"index"`
					} `json:"plugin"`
				} `json:"error"`
			} `json:"networks"`
		}
		rep := decode[statusReport](t, "the status report", r.stdout)
		if len(rep.Networks) != 1 || rep.Networks[0].Error == nil || rep.Networks[0].Error.Code != 50 ||
			rep.Networks[0].Error.Verb != "STATUS" || rep.Networks[0].Status != "not ready" {
			t.Errorf("status report %s, want notready not ready with code 50 from STATUS", r.stdout)
		}
	})
}

// oneErrorLine checks that table mode reported the error as exactly one
// "cnictl: " line on stderr.
func oneErrorLine(t *testing.T, r outcome) {
	t.Helper()
	var lines []string
	for line := range strings.Lines(r.stderr) {
		if strings.HasPrefix(line, "cnictl: ") {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 || len(strings.TrimSpace(strings.TrimPrefix(lines[0], "cnictl: "))) == 0 {
		t.Errorf("want one \"cnictl: <message>\" line on stderr: %s", r)
	}
}
