package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/containernetworking/cni/pkg/types"
)

func TestRecordLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record")
	conf := netConf("1.0.0", map[string]any{"recordFile": path, "stderr": "hello"})
	before := time.Now()
	out := run(t, "ADD", conf)
	if out.err != nil {
		t.Fatalf("ADD: %v\n%s", out.err, out.stdout)
	}
	if string(out.stderr) != "hello" {
		t.Errorf("stderr = %q, want %q", out.stderr, "hello")
	}
	entries := readRecord(t, path)
	if len(entries) != 1 {
		t.Fatalf("got %d entries, want 1", len(entries))
	}
	e := entries[0]
	if e.Command != "ADD" || e.ContainerID != "ctr1" || e.Netns != missingNetns || e.IfName != "eth0" ||
		e.Args != "IgnoreUnknown=1;K8S_POD_NAME=pod" || e.Path != "/opt/cni/bin" {
		t.Errorf("entry = %+v", e)
	}
	if e.Pid <= 0 || e.Pgid <= 0 || e.ChildPid != 0 {
		t.Errorf("pid %d, pgid %d, childPid %d", e.Pid, e.Pgid, e.ChildPid)
	}
	if e.Time.Before(before) || e.Time.After(time.Now()) {
		t.Errorf("time %v not during the run", e.Time)
	}
	wantEnv := map[string]string{
		"CNI_COMMAND": "ADD", "CNI_CONTAINERID": "ctr1", "CNI_NETNS": missingNetns, "CNI_IFNAME": "eth0",
		"CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAME=pod", "CNI_PATH": "/opt/cni/bin",
	}
	if !maps.Equal(e.Env, wantEnv) {
		t.Errorf("env = %v, want %v", e.Env, wantEnv)
	}
	var stdin map[string]any
	if err := json.Unmarshal(e.Stdin, &stdin); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stdin, conf) {
		t.Errorf("stdin = %v, want %v", stdin, conf)
	}
}

func TestRecordGCWithoutAttachmentEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record")
	mustRun(t, "GC", netConf("1.1.0", map[string]any{"recordFile": path}),
		"CNI_CONTAINERID=", "CNI_NETNS=", "CNI_IFNAME=")
	entries := readRecord(t, path)
	if len(entries) != 1 || entries[0].Command != "GC" || entries[0].ContainerID != "" || entries[0].IfName != "" {
		t.Fatalf("entries = %+v", entries)
	}
}

func TestRecordConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record")
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			mustRun(t, "DEL", netConf("1.0.0", map[string]any{"recordFile": path}), fmt.Sprintf("CNI_CONTAINERID=ctr%d", i))
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, e := range readRecord(t, path) {
		seen[e.ContainerID] = true
	}
	if len(seen) != n {
		t.Fatalf("recorded %d distinct containers, want %d", len(seen), n)
	}
}

func TestFail(t *testing.T) {
	for _, tc := range []struct{ command, version string }{{"ADD", "1.0.0"}, {"STATUS", "1.1.0"}} {
		t.Run(tc.command, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "record")
			conf := netConf(tc.version, map[string]any{
				"recordFile": path,
				"fail":       map[string]any{tc.command: map[string]any{"code": 11, "msg": "boom", "details": "more"}},
			})
			out := run(t, tc.command, conf)
			if out.err == nil {
				t.Fatalf("%s succeeded, want failure", tc.command)
			}
			var cniErr types.Error
			if err := json.Unmarshal(out.stdout, &cniErr); err != nil {
				t.Fatalf("decoding error %q: %v", out.stdout, err)
			}
			if cniErr.Code != 11 || cniErr.Msg != "boom" || cniErr.Details != "more" {
				t.Errorf("error = %+v", cniErr)
			}
			if entries := readRecord(t, path); len(entries) != 1 {
				t.Errorf("got %d entries, want 1", len(entries))
			}
			mustRun(t, "DEL", conf)
		})
	}
}
