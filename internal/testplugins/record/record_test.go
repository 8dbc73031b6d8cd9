package record

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

func TestReadMissingFile(t *testing.T) {
	entries, err := Read(filepath.Join(t.TempDir(), "none"))
	if err != nil || entries != nil {
		t.Fatalf("Read of a missing file = %v, %v; want nil, nil", entries, err)
	}
}

func TestAppendRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record")
	now := time.Now()
	want := []Entry{
		{Command: "ADD", ContainerID: "c1", Stdin: json.RawMessage(`{"name":"n"}`), Env: map[string]string{"CNI_COMMAND": "ADD"}, Time: now},
		{Command: "DEL", ContainerID: "c1", ChildPid: 42, Stdin: json.RawMessage(`{}`), Time: now},
	}
	for _, e := range want {
		if err := Append(path, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Command != want[i].Command || got[i].ChildPid != want[i].ChildPid ||
			string(got[i].Stdin) != string(want[i].Stdin) || !got[i].Time.Equal(now) {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
