package libcni

import (
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
)

func TestMain(m *testing.M) {
	if runCrashChild() {
		return
	}
	hermetic.Main(m, testbin.Cleanup)
}
