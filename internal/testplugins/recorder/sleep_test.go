package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnictl/cnictl/internal/testplugins/record"
)

// processGroup returns the process group of pid, or -1 if pid is gone or a
// zombie.
func processGroup(t *testing.T, pid int) int {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	// The fields after "(comm)" are: state ppid pgrp ...
	var state string
	var ppid, pgrp int
	after := stat[strings.LastIndexByte(string(stat), ')')+1:]
	if _, err := fmt.Sscan(string(after), &state, &ppid, &pgrp); err != nil {
		t.Fatalf("parsing /proc/%d/stat: %v", pid, err)
	}
	if state == "Z" {
		return -1
	}
	return pgrp
}

func TestSleepReapsChildOnWakeUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record")
	conf := netConf("1.0.0", map[string]any{"recordFile": path, "sleep": map[string]any{"ADD": "300ms"}, "spawnChild": true})
	start := time.Now()
	mustRun(t, "ADD", conf)
	if elapsed := time.Since(start); elapsed < 300*time.Millisecond {
		t.Errorf("ADD took %v, want at least 300ms", elapsed)
	}
	entries := readRecord(t, path)
	if len(entries) != 1 || entries[0].ChildPid <= 0 {
		t.Fatalf("entries = %+v, want one with childPid", entries)
	}
	if pgrp := processGroup(t, entries[0].ChildPid); pgrp != -1 {
		t.Errorf("child %d still running after the plugin woke up", entries[0].ChildPid)
	}
}

func TestSleepChildSharesProcessGroup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record")
	conf := netConf("1.0.0", map[string]any{"recordFile": path, "sleep": map[string]any{"DEL": "1m"}, "spawnChild": true})
	cmd := pluginCmd(t, "DEL", conf)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	killed := false
	defer func() {
		if !killed {
			syscall.Kill(-pgid, syscall.SIGKILL)
			cmd.Wait()
		}
	}()

	var entries []record.Entry
	for deadline := time.Now().Add(10 * time.Second); len(entries) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("plugin wrote no record line")
		}
		entries = readRecord(t, path)
	}
	e := entries[0]
	if e.Pid != pgid || e.Pgid != pgid || e.ChildPid <= 0 {
		t.Fatalf("entry pid %d pgid %d childPid %d; want pid and pgid %d and a child", e.Pid, e.Pgid, e.ChildPid, pgid)
	}
	if got := processGroup(t, e.ChildPid); got != pgid {
		t.Fatalf("child %d is in process group %d, want %d", e.ChildPid, got, pgid)
	}

	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing process group: %v", err)
	}
	killed = true
	cmd.Wait()
	for deadline := time.Now().Add(5 * time.Second); processGroup(t, e.ChildPid) != -1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("child %d survived the process group kill", e.ChildPid)
		}
	}
}
