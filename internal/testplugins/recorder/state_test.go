package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
)

func TestStateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	conf := netConf("1.1.0", map[string]any{"stateDir": dir})
	attachments := [][2]string{{"ctr1", "eth0"}, {"ctr2", "eth0"}, {"ctr2", "net1"}, {"ctr3", "eth0"}}
	for _, a := range attachments {
		mustRun(t, "ADD", conf, "CNI_CONTAINERID="+a[0], "CNI_IFNAME="+a[1])
	}
	content, err := os.ReadFile(filepath.Join(dir, "ctr1-eth0"))
	if err != nil || string(content) != missingNetns {
		t.Fatalf("state file = %q, %v; want %q", content, err, missingNetns)
	}
	mustRun(t, "CHECK", conf)

	mustRun(t, "DEL", conf)
	mustRun(t, "DEL", conf)
	out := run(t, "CHECK", conf)
	var cniErr types.Error
	if out.err == nil || json.Unmarshal(out.stdout, &cniErr) != nil || cniErr.Code != 11 {
		t.Fatalf("CHECK after DEL: %v, %s; want error code 11", out.err, out.stdout)
	}

	gcConf := netConf("1.1.0", map[string]any{
		"stateDir":                  dir,
		"cni.dev/valid-attachments": []any{map[string]any{"containerID": "ctr2", "ifname": "net1"}},
	})
	mustRun(t, "GC", gcConf, "CNI_CONTAINERID=", "CNI_NETNS=", "CNI_IFNAME=")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"ctr2-net1"}; !slices.Equal(names, want) {
		t.Fatalf("after GC stateDir holds %v, want %v", names, want)
	}
}
