package libcni

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/internal/testplugins/record"
)

// env is one test's world: a cache directory, a recorder log and a state
// directory for recorder plugins, and a CNI that finds the recorder.
type env struct {
	t          *testing.T
	cacheDir   string
	stateDir   string
	recordFile string
	cni        *CNI
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{
		t:          t,
		cacheDir:   filepath.Join(dir, "cache"),
		stateDir:   filepath.Join(dir, "state"),
		recordFile: filepath.Join(dir, "record.jsonl"),
	}
	if err := os.MkdirAll(e.stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts = append([]Option{WithPluginDirs(testbin.Recorder(t)), WithCacheDir(e.cacheDir), WithStderr(nil)}, opts...)
	e.cni = New(opts...)
	return e
}

// plugin is a recorder plugin configuration; tag names it in the log.
type plugin map[string]any

func rec(tag string) plugin { return plugin{"type": "recorder", "tag": tag} }

func (p plugin) with(k string, v any) plugin {
	q := plugin{}
	for a, b := range p {
		q[a] = b
	}
	q[k] = v
	return q
}

// list builds a network of recorder plugins that log to the env.
func (e *env) list(name, version string, plugins ...plugin) *NetworkConfigList {
	e.t.Helper()
	var ps []any
	for _, p := range plugins {
		q := p.with("recordFile", e.recordFile)
		if _, ok := q["stateDir"]; !ok {
			q["stateDir"] = e.stateDir
		}
		ps = append(ps, q)
	}
	data, err := json.Marshal(map[string]any{"name": name, "cniVersion": version, "plugins": ps})
	if err != nil {
		e.t.Fatal(err)
	}
	l, err := ConfListFromBytes(data)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// calls returns the log as "VERB tag" lines in execution order.
func (e *env) calls() []string {
	var out []string
	for _, r := range e.records() {
		out = append(out, r.Command+" "+tagOf(r))
	}
	return out
}

func (e *env) records() []record.Entry {
	e.t.Helper()
	rs, err := record.Read(e.recordFile)
	if err != nil && !os.IsNotExist(err) {
		e.t.Fatal(err)
	}
	return rs
}

func (e *env) resetRecords() { os.Remove(e.recordFile) }

func tagOf(r record.Entry) string {
	var conf struct {
		Tag string `json:"tag"`
	}
	_ = json.Unmarshal(r.Stdin, &conf)
	return conf.Tag
}

// stdinOf decodes the request configuration a plugin received.
func stdinOf(t *testing.T, r record.Entry) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Stdin, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// state lists the files recorder plugins keep for live attachments.
func (e *env) state() []string {
	entries, err := os.ReadDir(e.stateDir)
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, d := range entries {
		names = append(names, d.Name())
	}
	sort.Strings(names)
	return names
}

// cacheFiles lists every file under the cache directory, entries and
// attachment locks, but for the one network lock file that stays.
func (e *env) cacheFiles() []string {
	var files []string
	filepath.Walk(e.cacheDir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !strings.HasSuffix(path, "/locks/networks.lock") {
			files = append(files, strings.TrimPrefix(path, e.cacheDir+"/"))
		}
		return nil
	})
	return files
}

func rtFor(id string) *RuntimeConf {
	return &RuntimeConf{ContainerID: id, NetNS: "/run/netns/" + id, IfName: "eth0"}
}

func expectCalls(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("plugin calls\n got %q\nwant %q", got, want)
	}
}
