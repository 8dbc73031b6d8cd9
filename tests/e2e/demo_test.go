package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
)

// TestDemo runs the demo of `make demo` against cnictl and the bundled
// plugins, with the default configuration, cache and IPAM directories: it
// must succeed (pings, the published port from the host and from the
// neighbour, nothing left by its own check) and leak nothing.
func TestDemo(t *testing.T) {
	hermetic.Require(t)
	hermetic.CheckLeaks(t)
	demo := filepath.Join(testbin.Build(t, "github.com/cnictl/cnictl/scripts/demo"), "demo")
	env := append(cleanEnv(),
		"CNICTL="+filepath.Join(testbin.Build(t, cnictlPkg), "cnictl"),
		"CNI_PATH="+testbin.Bundled(t))
	r := runProgram(env, demo)
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	for _, want := range []string{"hello from cnictl-demo-a", "removed bridge cnictl0", "demo: ok"} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, r)
		}
	}
}
