// Package record defines the log line that the recorder test plugin
// (internal/testplugins/recorder) appends to its recordFile on every
// invocation, and reads such files back for assertions in tests.
package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// Entry is one invocation of the recorder plugin, stored as one JSON line.
type Entry struct {
	// Command is CNI_COMMAND (ADD, DEL, CHECK, GC or STATUS).
	Command string `json:"command"`
	// ContainerID is CNI_CONTAINERID as the plugin saw it.
	ContainerID string `json:"containerID"`
	// Netns is CNI_NETNS as the plugin saw it.
	Netns string `json:"netns"`
	// IfName is CNI_IFNAME as the plugin saw it.
	IfName string `json:"ifname"`
	// Args is CNI_ARGS, unparsed.
	Args string `json:"args"`
	// Path is CNI_PATH.
	Path string `json:"path"`
	// Pid is the plugin's process id.
	Pid int `json:"pid"`
	// Pgid is the plugin's process group id.
	Pgid int `json:"pgid"`
	// ChildPid is the pid of the "sleep 1000" child started for spawnChild,
	// or zero when no child was started.
	ChildPid int `json:"childPid,omitempty"`
	// Stdin is the network configuration the plugin received on stdin.
	Stdin json.RawMessage `json:"stdin"`
	// Env holds every CNI_* environment variable of the plugin process.
	Env map[string]string `json:"env"`
	// Time is when the plugin wrote the entry.
	Time time.Time `json:"time"`
}

// Append writes e as one line to the file at path, creating the file if
// needed. The line goes out in a single write to a file opened with
// O_APPEND, so concurrent plugin processes never interleave their lines.
func Append(path string, e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding record entry: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("opening record file: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("writing record file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing record file %s: %w", path, err)
	}
	return nil
}

// Read returns the entries of the record file at path in the order they were
// written. A file that does not exist yields no entries and no error: the
// plugin has not been invoked.
func Read(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening record file: %w", err)
	}
	defer f.Close()
	var entries []Entry
	dec := json.NewDecoder(f)
	for {
		var e Entry
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decoding entry %d of record file %s: %w", len(entries)+1, path, err)
		}
		entries = append(entries, e)
	}
}
