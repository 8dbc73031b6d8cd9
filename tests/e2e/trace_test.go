package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTrace checks that --trace shows, for every plugin execution, the
// verb, the plugin, the request sent (with prevResult for the second
// plugin), the result and the duration, as text and as JSON lines.
func TestTrace(t *testing.T) {
	e := newEnv(t)
	e.writeConf("traced", netList("traced", "1.0.0", recorderConf(map[string]any{"ip": "10.97.0.5/24"}), recorderConf(nil)))
	e.start()
	e.cnictlNetns("trace")

	t.Run("table", func(t *testing.T) {
		r := e.mustRun("--trace", "add", "traced", "trace")
		header := regexp.MustCompile(`(?m)^--- (\w+) network "traced" plugin #(\d) type="recorder" \(([^)]+)\) ---$`)
		blocks := header.FindAllStringSubmatchIndex(r.stderr, -1)
		if len(blocks) != 2 {
			t.Fatalf("want 2 trace blocks: %s", r)
		}
		for i, b := range blocks {
			end := len(r.stderr)
			if i+1 < len(blocks) {
				end = blocks[i+1][0]
			}
			block := r.stderr[b[0]:end]
			verb, index, took := r.stderr[b[2]:b[3]], r.stderr[b[4]:b[5]], r.stderr[b[6]:b[7]]
			if verb != "ADD" || index != string(rune('0'+i)) {
				t.Errorf("block %d is %s of plugin #%s, want ADD of #%d", i, verb, index, i)
			}
			if d, err := time.ParseDuration(took); err != nil || d <= 0 {
				t.Errorf("block %d: duration %q: %v", i, took, err)
			}
			stdin := traceField(block, "stdin")
			if got := strings.Contains(stdin, `"prevResult"`); got != (i == 1) {
				t.Errorf("block %d: stdin %s: has prevResult %v, want %v", i, stdin, got, i == 1)
			}
			if !strings.Contains(stdin, `"name":"traced"`) {
				t.Errorf("block %d: stdin %s is not the request", i, stdin)
			}
			if stdout := traceField(block, "stdout"); !strings.Contains(stdout, `"10.97.0.5/24"`) || !strings.Contains(stdout, `"interfaces"`) {
				t.Errorf("block %d: stdout %s is not the result", i, stdout)
			}
			if !strings.Contains(block, "env: CNI_COMMAND=ADD") {
				t.Errorf("block %d does not show the CNI environment:\n%s", i, block)
			}
		}
		// The result still goes to stdout.
		if !strings.Contains(r.stdout, "10.97.0.5/24") {
			t.Errorf("result missing from stdout: %s", r)
		}
	})

	t.Run("json", func(t *testing.T) {
		r := e.mustRun("-o", "json", "--trace", "del", "traced", "trace")
		type traceRecord struct {
			Verb   string `json:"verb"`
			Plugin struct {
				Index int `json:"index"`
			} `json:"plugin"`
			Stdin      map[string]any `json:"stdin"`
			DurationMS float64        `json:"durationMs"`
		}
		var recs []traceRecord
		for line := range strings.Lines(r.stderr) {
			var rec traceRecord
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("trace line is not JSON: %v: %q", err, line)
			}
			recs = append(recs, rec)
		}
		if len(recs) != 2 {
			t.Fatalf("want 2 trace records: %s", r)
		}
		// DEL runs in reverse order, each plugin with the cached result.
		for i, rec := range recs {
			if rec.Verb != "DEL" || rec.Plugin.Index != 1-i || rec.DurationMS <= 0 {
				t.Errorf("record %d: %+v, want DEL of plugin #%d with a duration", i, rec, 1-i)
			}
			if _, ok := rec.Stdin["prevResult"]; !ok {
				t.Errorf("record %d: DEL request without the cached prevResult: %v", i, rec.Stdin)
			}
		}
	})
}

// traceField is the value of the "name: " line of a trace block.
func traceField(block, name string) string {
	for line := range strings.Lines(block) {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
