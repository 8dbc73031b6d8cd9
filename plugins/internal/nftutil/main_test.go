package nftutil

import (
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }
