package testbin

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// mustExecutable fails t unless path is an executable regular file.
func mustExecutable(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat built binary: %v", err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("%s is not an executable file: %v", path, fi.Mode())
	}
}

func TestBuildOnce(t *testing.T) {
	d := Recorder(t)
	bin := filepath.Join(d, "recorder")
	mustExecutable(t, bin)
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	if again := Recorder(t); again != d {
		t.Fatalf("second Build returned %s, want %s", again, d)
	}
	if _, err := os.Stat(bin); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("second Build rebuilt the recorder (stat: %v)", err)
	}
}

func TestReferenceAndCnitool(t *testing.T) {
	d := Reference(t, "bridge", "host-local")
	mustExecutable(t, filepath.Join(d, "bridge"))
	mustExecutable(t, filepath.Join(d, "host-local"))
	tool := Cnitool(t)
	if filepath.Dir(tool) != d {
		t.Fatalf("cnitool at %s, want it in %s", tool, d)
	}
	mustExecutable(t, tool)
}

func TestCleanup(t *testing.T) {
	d := Recorder(t)
	Cleanup()
	if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Cleanup left %s (stat: %v)", d, err)
	}
	fresh := Recorder(t)
	if fresh == d {
		t.Fatalf("Build after Cleanup reused %s", d)
	}
	mustExecutable(t, filepath.Join(fresh, "recorder"))
}
