package main

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/cache"
)

func TestValidAttachments(t *testing.T) {
	dir := t.TempDir()
	alive := filepath.Join(dir, "alive")
	writeFile(t, alive, "")
	gone := filepath.Join(dir, "gone")
	entries := []*cache.Entry{
		{NetworkName: "n", ContainerID: "a", IfName: "eth0", NetNS: alive},
		{NetworkName: "n", ContainerID: "b", IfName: "eth0", NetNS: gone},
		{NetworkName: "n", ContainerID: "c", IfName: "eth0", NetNS: gone},
		{NetworkName: "n", ContainerID: "c", IfName: "eth1", NetNS: gone},
		{NetworkName: "n", ContainerID: "d", IfName: "eth0"},
		{NetworkName: "other", ContainerID: "e", IfName: "eth0", NetNS: alive},
	}
	keeps, err := parseKeeps([]string{"c", "x/net1", "a/eth0"})
	if err != nil {
		t.Fatal(err)
	}
	got := validAttachments("n", entries, keeps)
	want := []types.GCAttachment{
		{ContainerID: "x", IfName: "net1"},
		{ContainerID: "a", IfName: "eth0"},
		{ContainerID: "c", IfName: "eth0"},
		{ContainerID: "c", IfName: "eth1"},
		{ContainerID: "d", IfName: "eth0"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("valid attachments\n got %v\nwant %v", got, want)
	}
	if got := validAttachments("none", nil, nil); got == nil || len(got) != 0 {
		t.Errorf("no valid attachments must be an empty list, not %#v", got)
	}
}

func TestParseKeeps(t *testing.T) {
	got, err := parseKeeps([]string{"abc", "abc/eth1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []keepSpec{{ContainerID: "abc"}, {ContainerID: "abc", IfName: "eth1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseKeeps = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "/eth0", "abc/", "abc/eth0/x"} {
		if _, err := parseKeeps([]string{bad}); err == nil {
			t.Errorf("parseKeeps(%q): want an error", bad)
		}
	}
}
