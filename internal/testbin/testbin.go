// Package testbin builds the binaries that tests execute (test plugins,
// reference CNI plugins, cnitool) once per test process.
//
// Binaries land in one temporary directory shared by the whole test process,
// and each package is built at most once. A package that uses testbin must
// remove that directory when its tests are done:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		testbin.Cleanup()
//		os.Exit(code)
//	}
package testbin

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// recorderPkg is the package of the recorder test plugin.
const recorderPkg = "github.com/cnictl/cnictl/internal/testplugins/recorder"

// cnitoolPkg is the package of upstream's cnitool.
const cnitoolPkg = "github.com/containernetworking/cni/cnitool"

var (
	// mu guards dir and built, and serialises builds.
	mu sync.Mutex
	// dir holds the built binaries; empty until the first Build.
	dir string
	// built records the packages already built into dir.
	built = map[string]bool{}
)

// upstreamPrefix marks the packages of the upstream CNI modules. They are
// built into a directory of their own, so that a reference plugin and the
// bundled plugin of the same type never share a directory.
const upstreamPrefix = "github.com/containernetworking/"

// origin is the subdirectory a package is built into.
func origin(pkg string) string {
	if strings.HasPrefix(pkg, upstreamPrefix) {
		return "upstream"
	}
	return "cnictl"
}

// Build builds each Go package into the shared binary directory of its
// origin (upstream CNI modules or this project), named after the last
// element of its path, and returns that directory. All packages of one call
// must have the same origin. Packages built before are not built again.
// Build fails t with the build output if the build fails.
func Build(t testing.TB, pkgs ...string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if dir == "" {
		d, err := os.MkdirTemp("", "cnictl-testbin-")
		if err != nil {
			t.Fatalf("testbin: creating binary directory: %v", err)
		}
		dir = d
	}
	if len(pkgs) == 0 {
		t.Fatal("testbin: Build needs at least one package")
	}
	out := filepath.Join(dir, origin(pkgs[0]))
	for _, p := range pkgs {
		if origin(p) != origin(pkgs[0]) {
			t.Fatalf("testbin: %s and %s are built into different directories: build them in two calls", pkgs[0], p)
		}
	}
	var missing []string
	for _, p := range pkgs {
		if !built[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return out
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("testbin: %v", err)
	}
	cmd := exec.Command(goTool(), append([]string{"build", "-o", out + string(filepath.Separator)}, missing...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testbin: building %s: %v\n%s", strings.Join(missing, " "), err, out)
	}
	for _, p := range missing {
		built[p] = true
	}
	return out
}

// Cleanup removes the binary directory and forgets what was built. Call it
// from TestMain after m.Run.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if dir != "" {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintf(os.Stderr, "testbin: removing binary directory: %v\n", err)
		}
	}
	dir = ""
	built = map[string]bool{}
}

// Recorder builds the recorder test plugin and returns the directory holding
// it as "recorder".
func Recorder(t testing.TB) string {
	t.Helper()
	return Build(t, recorderPkg)
}

// Cnitool builds upstream's cnitool and returns the path of the binary.
func Cnitool(t testing.TB) string {
	t.Helper()
	return filepath.Join(Build(t, cnitoolPkg), "cnitool")
}

// moduleRoot returns the nearest directory at or above the working
// directory that holds a go.mod.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding module root: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		_, err := os.Stat(filepath.Join(d, "go.mod"))
		if err == nil {
			return d, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("finding module root: %w", err)
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("finding module root: no go.mod at or above %s", wd)
		}
	}
}

// goTool returns the go command: the one on PATH, else the one in $GOROOT,
// else /usr/local/go/bin/go.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "/usr/local/go/bin/go"
}
